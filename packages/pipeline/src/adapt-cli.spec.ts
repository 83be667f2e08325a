/**
 * `adapt` end to end through the real CLI (wasm backend, tiny networks, a
 * tiny procedural benchmark): two rounds with `translatorWarmStart`, so round
 * 2's translator starts from every weight of round 1's, and the summary table
 * lists source-only and both rounds; with `pseudoLabelsFromRound` 2, round 1's
 * segmenter trains on unlabelled target images (adversarial term only, no
 * pseudo-label stage) and round 2's on pseudo-labels.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readSafetensors } from '@semadapt/core-layers';
import { runCli } from './testing/run-cli';
import { writeTinyAdaptConfig } from './testing/tiny-adapt-config';

jest.setTimeout(300_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-adapt-cli-'));

function writeConfig(): string {
  return writeTinyAdaptConfig(dir, { seed: 5, sourceSteps: 2, translatorSteps: 2, segmenterSteps: 2, minRounds: 2, maxRounds: 2, translatorWarmStart: true, pseudoLabelsFromRound: 2, checkpointEvery: 2, evalEvery: 0, batchSize: 2 }, { plainEverySeconds: 0.001 });
}

describe('adapt through the CLI (wasm, tiny networks)', () => {
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('two rounds with translatorWarmStart: round 2 loads all of round 1’s translator weights', async () => {
    const config = writeConfig();
    const run = path.join(dir, 'run');
    const r = runCli(['adapt', '--config', config, '--run-dir', run]);
    expect(r.stderr + r.stdout).toMatch(/adapted, round 2/);
    expect(r.status).toBe(0);
    const log = fs.readFileSync(path.join(run, 'log.txt'), 'utf8');
    expect(log).not.toMatch(/round1\/train-translator\] translator starts from/);
    const m = /\[round2\/train-translator\] translator starts from (\S+) \((\d+) tensors\)/.exec(log);
    expect(m).not.toBeNull();
    expect(m?.[1]).toContain(path.join('round1', 'train-translator'));
    // Every tensor of the translator itself (weights and spectral-norm vectors), none of the optimizers'.
    const saved = await readSafetensors(path.join(m?.[1] ?? '', 'translator.safetensors'));
    const moduleTensors = [...saved.tensors.keys()].filter((k) => !k.startsWith('optimizer.'));
    expect(Number(m?.[2])).toBe(moduleTensors.length);
    const meta = JSON.parse(fs.readFileSync(path.join(run, 'checkpoints', 'round2', 'train-translator', 'translator-config.json'), 'utf8'));
    expect(meta.init).toBe(m?.[1]);

    // Round 1: no pseudo-label stage or output, target CE 0, adversarial term on; round 2: pseudo-labels used.
    expect(fs.existsSync(path.join(run, 'stages', 'round1__pseudo-label.json'))).toBe(false);
    expect(fs.existsSync(path.join(run, 'outputs', 'round1', 'pseudo-labels'))).toBe(false);
    expect(fs.existsSync(path.join(run, 'stages', 'round2__pseudo-label.json'))).toBe(true);
    const train = fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
      .filter((r) => r.kind === 'train' && /round\d\/train-segmenter/.test(r.stage));
    const round1 = train.filter((r) => r.stage === 'round1/train-segmenter');
    const round2 = train.filter((r) => r.stage === 'round2/train-segmenter');
    expect(round1.length).toBeGreaterThan(0);
    expect(round2.length).toBeGreaterThan(0);
    for (const r of round1) {
      expect(r.values.segTarget).toBe(0);
      expect(r.values.adv).toBeGreaterThan(0);
    }
    expect(round2.some((r) => r.values.segTarget > 0)).toBe(true);
  });
});
