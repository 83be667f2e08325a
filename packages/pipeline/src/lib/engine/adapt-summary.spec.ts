/**
 * `<run>/result.json` and the console table of `adapt`: the last and best
 * checkpoints' means, which one the loop used, and FID/IS when computed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RunDir } from '@semadapt/runner';
import type { AdaptResult } from './adapt-loop';
import { formatAdaptTable, writeRunResult } from './adapt-summary';

const result: AdaptResult = {
  select: 'last',
  rounds: [
    { round: 0, segmenter: 'a/latest', used: 'last', miou19: 0.331, miou16: 0.35, miou13: 0.4, selected: 0.331, last: { step: 120000, miou19: 0.331, miou16: 0.35, miou13: 0.4 }, best: { step: 90000, miou19: 0.342, miou16: 0.36, miou13: 0.41 } },
    { round: 1, segmenter: 'b/latest', used: 'last', miou19: 0.42, miou16: 0.44, miou13: 0.5, selected: 0.42, last: { step: 120000, miou19: 0.42, miou16: 0.44, miou13: 0.5 }, best: null, fid: 41.24, is: { mean: 4.9, std: 0.1 } },
  ],
  bestRound: 1,
  bestSegmenter: 'b/latest',
  stoppedBecause: 'reached maxRounds 1',
};

describe('adapt summary', () => {
  it('result.json holds every round with last/best/used, the selection, and FID/IS of the rounds that have them', () => {
    const run = new RunDir(fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-summary-')));
    const file = writeRunResult(run, result, 'miou19');
    const back = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(file).toBe(path.join(run.root, 'result.json'));
    expect(back.select).toBe('last');
    expect(back.selectBy).toBe('miou19');
    expect(back.rounds[0]).toEqual(result.rounds[0]);
    expect(back.rounds[1]).toEqual(result.rounds[1]);
    expect(back.rounds[1].fid).toBe(41.24);
    fs.rmSync(run.root, { recursive: true, force: true });
  });

  it('the table names the selection and shows last and best with their steps', () => {
    const text = formatAdaptTable(result, 'miou19');
    expect(text).toContain("optimization.select 'last'");
    const row0 = text.split('\n').find((l) => l.startsWith('source-only'))!;
    expect(row0).toMatch(/33\.1\s+35\.0\s+40\.0\s+last\s+33\.1 @120000\s+34\.2 @90000\s+–\s+–/);
    const row1 = text.split('\n').find((l) => l.startsWith('adapted, round 1'))!;
    expect(row1).toMatch(/42\.0 @120000\s+–\s+41\.2\s+4\.90\s+← best round/);
  });
});
