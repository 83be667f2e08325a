/**
 * The round logic of SPEC §4 with recorded stage calls: which segmenter
 * guides which round, when the loop stops (minRounds, patience, maxRounds),
 * and that a rerun after a crash skips completed stages.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { validateRunConfig } from '../config/run-config';
import { RunDir } from '@semadapt/runner';
import { AdaptStages, runAdapt } from './adapt-loop';

const data = { source: { dataset: 'gta5', root: 'g' }, target: { dataset: 'cityscapes', root: 'c' } };
/** The round-logic tests hand on each stage's best checkpoint (paths end in /best). */
const base = { data, optimization: { select: 'best-on-target-val' } };

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
    const cfg = validateRunConfig({ ...base, optimization: { ...base.optimization, maxRounds: 2, minRounds: 2 } });
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
    const cfg = validateRunConfig({ ...base, optimization: { ...base.optimization, maxRounds: 2, minRounds: 2, pseudoLabelsFromRound: 2 } });
    await runAdapt(tmpRun(), cfg, fakeStages([0.3, 0.4, 0.45], calls));
    expect(calls.filter((c) => /^round\d\/(pseudo-label|train-segmenter) /.test(c))).toEqual([
      'round1/train-segmenter from round0/train-source/best on unlabelled target',
      'round2/pseudo-label with round1/train-segmenter/best.onnx',
      'round2/train-segmenter from round1/train-segmenter/best with pseudo-labels',
    ]);
  });

  it('translatorWarmStart starts the round-k translator from round k−1, round 1 from scratch', async () => {
    const calls: string[] = [];
    const cfg = validateRunConfig({ ...base, optimization: { ...base.optimization, maxRounds: 3, minRounds: 3, translatorWarmStart: true } });
    await runAdapt(tmpRun(), cfg, fakeStages([0.3, 0.4, 0.45, 0.5], calls));
    expect(calls.filter((c) => c.includes('train-translator'))).toEqual([
      'round1/train-translator guided by round0/train-source/best',
      'round2/train-translator guided by round1/train-segmenter/best from round1/train-translator/best',
      'round3/train-translator guided by round2/train-segmenter/best from round2/train-translator/best',
    ]);
  });

  it('stops after minRounds when the mean does not improve (patience 0), not before', async () => {
    const calls: string[] = [];
    const cfg = validateRunConfig({ ...base, optimization: { ...base.optimization, maxRounds: 5, minRounds: 2, patience: 0 } });
    const r = await runAdapt(tmpRun(), cfg, fakeStages([0.3, 0.28, 0.27, 0.5], calls));
    expect(r.rounds).toHaveLength(3);
    expect(r.bestRound).toBe(0);
    expect(r.stoppedBecause).toMatch(/did not improve for 2 round/);
  });

  it('patience 1 tolerates one round without improvement', async () => {
    const cfg = validateRunConfig({ ...base, optimization: { ...base.optimization, maxRounds: 5, minRounds: 1, patience: 1 } });
    const r = await runAdapt(tmpRun(), cfg, fakeStages([0.3, 0.4, 0.39, 0.41, 0.40, 0.39], []));
    expect(r.rounds.map((x) => x.round)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r.bestRound).toBe(3);
  });

  it("select 'last' (default) hands on each stage's latest checkpoint and reports the last and best checkpoints' means from the stage's evaluations", async () => {
    const run = tmpRun();
    const calls: string[] = [];
    const cfg = validateRunConfig({ data, optimization: { maxRounds: 1, minRounds: 1 } });
    expect(cfg.optimization.select).toBe('last');
    // The training loop's evaluations of each segmenter stage (metrics.jsonl): best at an earlier step than the last.
    const evals: Record<string, Array<[number, number]>> = { 'round0/train-source': [[5, 0.2], [10, 0.25], [20, 0.3]], 'round1/train-segmenter': [[10, 0.45], [20, 0.4]] };
    const stages = fakeStages([0.3, 0.4], calls);
    const steps = (stage: string, best: boolean) => {
      const rows = evals[stage];
      const top = rows.reduce((a, b) => (b[1] > a[1] ? b : a));
      for (const [step, v] of rows) run.metric({ stage, kind: 'eval', step, values: { miou19: v, miou16: v + 0.01, miou13: v + 0.02 } });
      return { steps: 20, latest: `${stage}/latest`, best: best ? `${stage}/best` : undefined, bestStep: top[0], bestScore: top[1], resumedFrom: 0 };
    };
    stages.trainSource = async (stage) => steps(stage, true);
    stages.trainSegmenter = async (stage, _k, init) => {
      calls.push(`${stage} from ${init}`);
      return steps(stage, true);
    };
    const r = await runAdapt(run, cfg, stages);
    expect(calls).toContain('round1/train-translator guided by round0/train-source/latest');
    expect(calls).toContain('round1/train-segmenter from round0/train-source/latest');
    expect(r.select).toBe('last');
    expect(r.rounds.map((x) => [x.used, x.segmenter])).toEqual([['last', 'round0/train-source/latest'], ['last', 'round1/train-segmenter/latest']]);
    expect(r.rounds[0].last).toEqual({ step: 20, miou19: 0.3, miou16: 0.3, miou13: 0.3 }); // the evaluate stage's result for the used checkpoint
    expect(r.rounds[0].best).toEqual({ step: 20, miou19: 0.3, miou16: 0.3 + 0.01, miou13: 0.3 + 0.02 });
    expect(r.rounds[1].best).toEqual({ step: 10, miou19: 0.45, miou16: 0.45 + 0.01, miou13: 0.45 + 0.02 });
  });

  it("select 'best-on-target-val' hands on the best checkpoint and still reports the last one", async () => {
    const run = tmpRun();
    const cfg = validateRunConfig({ data, optimization: { maxRounds: 1, minRounds: 1, select: 'best-on-target-val' } });
    const stages = fakeStages([0.3, 0.45], []);
    stages.trainSegmenter = async (stage) => {
      run.metric({ stage, kind: 'eval', step: 10, values: { miou19: 0.45, miou16: 0.45, miou13: 0.45 } });
      run.metric({ stage, kind: 'eval', step: 20, values: { miou19: 0.41, miou16: 0.42, miou13: 0.43 } });
      return { steps: 20, latest: `${stage}/latest`, best: `${stage}/best`, bestStep: 10, bestScore: 0.45, resumedFrom: 0 };
    };
    const r = await runAdapt(run, cfg, stages);
    expect(r.rounds[1].used).toBe('best');
    expect(r.rounds[1].segmenter).toBe('round1/train-segmenter/best');
    expect(r.rounds[1].last).toEqual({ step: 20, miou19: 0.41, miou16: 0.42, miou13: 0.43 });
    expect(r.rounds[1].best).toEqual({ step: 10, miou19: 0.45, miou16: 0.45, miou13: 0.45 });
  });

  it('with metrics.inception: a fid-is stage per round (round 0 = untranslated source), after the translations, into each row', async () => {
    const calls: string[] = [];
    const cfg = validateRunConfig({ ...base, optimization: { ...base.optimization, maxRounds: 2, minRounds: 2 }, metrics: { inception: 'inception.onnx' } });
    const stages = fakeStages([0.3, 0.4, 0.45], calls);
    stages.translationQuality = async (stage, k) => {
      calls.push(stage);
      return { fid: 60 - 10 * k, is: { mean: 4 + k / 10, std: 0.1 }, images: 3 };
    };
    const r = await runAdapt(tmpRun(), cfg, stages);
    expect(calls.filter((c) => c.endsWith('fid-is'))).toEqual(['round0/fid-is', 'round1/fid-is', 'round2/fid-is']);
    expect(calls.indexOf('round1/fid-is')).toBeGreaterThan(calls.indexOf('round1/translate'));
    expect(r.rounds.map((x) => [x.fid, x.is?.mean])).toEqual([[60, 4], [50, 4.1], [40, 4.2]]);
    // Without an Inception model no stage runs and the rows carry no fid.
    const plain: string[] = [];
    const s2 = fakeStages([0.3, 0.4, 0.45], plain);
    s2.translationQuality = async (stage) => { plain.push(stage); return { fid: 1, is: { mean: 1, std: 0 }, images: 1 }; };
    const r2 = await runAdapt(tmpRun(), validateRunConfig({ ...base, optimization: { ...base.optimization, maxRounds: 1, minRounds: 1 } }), s2);
    expect(plain.some((c) => c.endsWith('fid-is'))).toBe(false);
    expect(r2.rounds[0].fid).toBeUndefined();
  });

  it('a rerun after a crash in round 2 pseudo-labelling skips every completed stage', async () => {
    const run = tmpRun();
    const cfg = validateRunConfig({ ...base, optimization: { ...base.optimization, maxRounds: 2, minRounds: 2 } });
    await expect(runAdapt(run, cfg, fakeStages([0.3, 0.4, 0.5], [], 'round2/pseudo-label with round1/train-segmenter/best.onnx'))).rejects.toThrow('crash');
    const calls: string[] = [];
    await runAdapt(run, cfg, fakeStages([0.3, 0.4, 0.5], calls));
    expect(calls).toEqual(['round2/pseudo-label with round1/train-segmenter/best.onnx', 'round2/train-segmenter from round1/train-segmenter/best with pseudo-labels', 'round2/evaluate']);
  });
});
