/**
 * The round logic of SPEC §4 with recorded stage calls: which segmenter
 * guides which round, when the loop stops (minRounds, patience, maxRounds),
 * and that a rerun after a crash skips completed stages.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { validateRunConfig } from '../config/run-config';
import { RunDir } from '../run/run-dir';
import { AdaptStages, runAdapt } from './adapt-loop';

const base = { data: { source: { dataset: 'gta5', root: 'g' }, target: { dataset: 'cityscapes', root: 'c' } } };

function fakeStages(scores: number[], calls: string[], failOn?: string): AdaptStages {
  const ev = (s: number) => ({ perClass: [], miou19: s, miou16: s, miou13: s, pixels: 1, images: 1 });
  const tr = (name: string) => ({ steps: 1, latest: `${name}/latest`, best: `${name}/best`, resumedFrom: 0 });
  const note = (x: string) => {
    if (x === failOn) throw new Error(`crash in ${x}`);
    calls.push(x);
  };
  return {
    async trainSource(stage) { note(stage); return tr(stage); },
    async trainTranslator(stage, _k, guidance, init) { note(`${stage} guided by ${guidance}${init ? ` from ${init}` : ''}`); return tr(stage); },
    async exportOnnx(stage, _k, seg) { note(`${stage} of ${seg}`); return { segmenter: `${seg}.onnx`, translator: 't.onnx' }; },
    async translate(stage) { note(stage); return { images: 1, dir: 'x' }; },
    async pseudoLabel(stage, _k, seg) { note(`${stage} with ${seg}`); return { images: 1, dir: 'y', keptFraction: 0.5 }; },
    async trainSegmenter(stage, _k, init, pseudoLabels) { note(`${stage} from ${init}${pseudoLabels ? ' with pseudo-labels' : ' on unlabelled target'}`); return tr(stage); },
    async evaluate(stage) { note(stage); const k = Number(/round(\d+)/.exec(stage)?.[1]); return ev(scores[k]); },
  };
}

function tmpRun(): RunDir {
  const run = new RunDir(fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-adapt-')));
  run.echo = () => undefined;
  return run;
}

describe('runAdapt', () => {
  it('round k is guided by and pseudo-labels with S_{k−1}, and starts S_k from it', async () => {
    const calls: string[] = [];
    const cfg = validateRunConfig({ ...base, optimization: { maxRounds: 2, minRounds: 2 } });
    const r = await runAdapt(tmpRun(), cfg, fakeStages([0.3, 0.4, 0.45], calls));
    expect(calls).toContain('round1/train-translator guided by round0/train-source/best');
    expect(calls).toContain('round2/train-translator guided by round1/train-segmenter/best');
    expect(calls).toContain('round2/pseudo-label with round1/train-segmenter/best.onnx');
    expect(calls).toContain('round2/train-segmenter from round1/train-segmenter/best with pseudo-labels');
    expect(r.rounds.map((x) => x.selected)).toEqual([0.3, 0.4, 0.45]);
    expect(r.bestRound).toBe(2);
  });

  it('pseudoLabelsFromRound 2: round 1 trains on unlabelled target without a pseudo-label stage, round 2 pseudo-labels with S₁', async () => {
    const calls: string[] = [];
    const cfg = validateRunConfig({ ...base, optimization: { maxRounds: 2, minRounds: 2, pseudoLabelsFromRound: 2 } });
    await runAdapt(tmpRun(), cfg, fakeStages([0.3, 0.4, 0.45], calls));
    expect(calls.filter((c) => /^round\d\/(pseudo-label|train-segmenter) /.test(c))).toEqual([
      'round1/train-segmenter from round0/train-source/best on unlabelled target',
      'round2/pseudo-label with round1/train-segmenter/best.onnx',
      'round2/train-segmenter from round1/train-segmenter/best with pseudo-labels',
    ]);
  });

  it('translatorWarmStart starts the round-k translator from round k−1, round 1 from scratch', async () => {
    const calls: string[] = [];
    const cfg = validateRunConfig({ ...base, optimization: { maxRounds: 3, minRounds: 3, translatorWarmStart: true } });
    await runAdapt(tmpRun(), cfg, fakeStages([0.3, 0.4, 0.45, 0.5], calls));
    expect(calls.filter((c) => c.includes('train-translator'))).toEqual([
      'round1/train-translator guided by round0/train-source/best',
      'round2/train-translator guided by round1/train-segmenter/best from round1/train-translator/best',
      'round3/train-translator guided by round2/train-segmenter/best from round2/train-translator/best',
    ]);
  });

  it('stops after minRounds when the mean does not improve (patience 0), not before', async () => {
    const calls: string[] = [];
    const cfg = validateRunConfig({ ...base, optimization: { maxRounds: 5, minRounds: 2, patience: 0 } });
    const r = await runAdapt(tmpRun(), cfg, fakeStages([0.3, 0.28, 0.27, 0.5], calls));
    expect(r.rounds).toHaveLength(3);
    expect(r.bestRound).toBe(0);
    expect(r.stoppedBecause).toMatch(/did not improve for 2 round/);
  });

  it('patience 1 tolerates one round without improvement', async () => {
    const cfg = validateRunConfig({ ...base, optimization: { maxRounds: 5, minRounds: 1, patience: 1 } });
    const r = await runAdapt(tmpRun(), cfg, fakeStages([0.3, 0.4, 0.39, 0.41, 0.40, 0.39], []));
    expect(r.rounds.map((x) => x.round)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r.bestRound).toBe(3);
  });

  it('a rerun after a crash in round 2 pseudo-labelling skips every completed stage', async () => {
    const run = tmpRun();
    const cfg = validateRunConfig({ ...base, optimization: { maxRounds: 2, minRounds: 2 } });
    await expect(runAdapt(run, cfg, fakeStages([0.3, 0.4, 0.5], [], 'round2/pseudo-label with round1/train-segmenter/best.onnx'))).rejects.toThrow('crash');
    const calls: string[] = [];
    await runAdapt(run, cfg, fakeStages([0.3, 0.4, 0.5], calls));
    expect(calls).toEqual(['round2/pseudo-label with round1/train-segmenter/best.onnx', 'round2/train-segmenter from round1/train-segmenter/best with pseudo-labels', 'round2/evaluate']);
  });
});
