/**
 * Issue 9 "Done when", on the cpu backend with a tiny DeepLabV2 and a tiny
 * procedural benchmark (data-core's generator), through the real CLI in
 * child processes:
 *
 * 1. `train-source` killed with SIGKILL mid-training and rerun with the same
 *    command ends with the same weights, optimizer moments and loss log as an
 *    uninterrupted run (≤ 1e-6), and keeps `best/` beside `latest/`;
 * 2. the exported segmenter evaluated through onnxruntime gives the same
 *    mIoU as the in-framework evaluation of the same checkpoint.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readSafetensors } from '@semadapt/core-layers';
import { generateDemoBenchmark } from '@semadapt/data-core';
import { runCli, startCli } from './testing/run-cli';

jest.setTimeout(240_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-robust-'));
const STAGE = 'round0/train-source';

function writeConfig(): string {
  const data = generateDemoBenchmark({ root: path.join(dir, 'data'), width: 32, height: 16, counts: { source: 6, targetTrain: 4, targetVal: 3 }, imagesPerCity: 2 });
  const cfg = {
    backend: 'cpu',
    onnxThreads: 1,
    optimization: { seed: 3, sourceSteps: 8, checkpointEvery: 2, evalEvery: 4, batchSize: 2 },
    model: { segmenter: { arch: 'deeplabv2', network: { width: 0.0625, depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, asppDilations: [1, 2] } } },
    data: {
      source: { dataset: 'gta5', root: path.join(data.root, 'gta5') },
      target: { dataset: 'cityscapes', root: path.join(data.root, 'cityscapes') },
      resize: [32, 16], translatorCrop: null, workers: 0,
    },
    logging: { progress: 'plain', plainEverySeconds: 0.001, reportImages: 1, metricsEvery: 1 },
  };
  const file = path.join(dir, 'run.json');
  fs.writeFileSync(file, JSON.stringify(cfg));
  return file;
}

async function tensors(file: string): Promise<Map<string, Float32Array>> {
  const st = await readSafetensors(file);
  const out = new Map<string, Float32Array>();
  for (const [name, t] of st.tensors) {
    out.set(name, t.data instanceof BigInt64Array ? Float32Array.from(t.data, Number) : Float32Array.from(t.data));
  }
  return out;
}

function trainRecords(runDir: string): Array<[number, Record<string, number>]> {
  return fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
    .filter((r) => r.stage === STAGE && r.kind === 'train').map((r) => [r.step, r.values]);
}

describe('robustness (cpu backend, tiny DeepLabV2)', () => {
  let config: string;
  const runA = path.join(dir, 'A');
  const runB = path.join(dir, 'B');
  beforeAll(() => {
    config = writeConfig();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('SIGKILL at step ≥ 5 of 8, then the same command: same weights, optimizer state and loss log as an uninterrupted run (≤ 1e-6)', async () => {
    const a = runCli(['train-source', '--config', config, '--run-dir', runA]);
    expect(a.stderr + a.stdout).toContain('round0/evaluate');
    expect(a.status).toBe(0);

    let killedAt = -1;
    const b1 = await startCli(['train-source', '--config', config, '--run-dir', runB], (line, kill) => {
      const m = /round0\/train-source step (\d+)\/8/.exec(line);
      if (m && Number(m[1]) >= 5 && killedAt < 0) {
        killedAt = Number(m[1]);
        kill();
      }
    });
    expect(b1.signal).toBe('SIGKILL');
    expect(killedAt).toBeGreaterThanOrEqual(5);
    const b2 = runCli(['train-source', '--config', config, '--run-dir', runB]);
    expect(b2.status).toBe(0);
    expect(b2.stdout + b2.stderr).toMatch(/resuming from step [4-8]/);

    const ta = await tensors(path.join(runA, 'checkpoints', STAGE, 'latest', 'segmenter.safetensors'));
    const tb = await tensors(path.join(runB, 'checkpoints', STAGE, 'latest', 'segmenter.safetensors'));
    expect([...tb.keys()].sort()).toEqual([...ta.keys()].sort());
    expect([...ta.keys()].some((k) => k.includes('optimizer'))).toBe(true);
    let maxDiff = 0;
    for (const [k, va] of ta) {
      const vb = tb.get(k) as Float32Array;
      for (let i = 0; i < va.length; i++) maxDiff = Math.max(maxDiff, Math.abs(va[i] - vb[i]));
    }
    expect(maxDiff).toBeLessThanOrEqual(1e-6);

    const la = trainRecords(runA);
    const lb = trainRecords(runB);
    expect(la.map((r) => r[0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(lb.map((r) => r[0])).toEqual(la.map((r) => r[0]));
    la.forEach(([, va], i) => {
      for (const [k, v] of Object.entries(va)) expect(Math.abs(v - lb[i][1][k])).toBeLessThanOrEqual(1e-6);
    });
    // best/ beside latest/, chosen by validation at steps 4 and 8.
    expect(fs.existsSync(path.join(runA, 'checkpoints', STAGE, 'best', 'eval.json'))).toBe(true);
    expect(fs.existsSync(path.join(runA, 'report.html'))).toBe(true);
  });

  it('Ctrl-C (SIGINT) mid-training saves a checkpoint at the current step and exits 130', async () => {
    const runC = path.join(dir, 'C');
    let sentAt = -1;
    const c1 = await startCli(['train-source', '--config', config, '--run-dir', runC], (line, kill) => {
      const m = /round0\/train-source step (\d+)\/8/.exec(line);
      if (m && Number(m[1]) >= 3 && sentAt < 0) {
        sentAt = Number(m[1]);
        kill('SIGINT');
      }
    });
    expect(c1.code).toBe(130);
    expect(c1.output).toMatch(/interrupted during round0\/train-source at step \d; checkpoint saved/);
    const loop = JSON.parse(fs.readFileSync(path.join(runC, 'checkpoints', STAGE, 'latest', 'loop.json'), 'utf8'));
    expect(loop.step).toBeGreaterThanOrEqual(sentAt);
    expect(loop.step).toBeLessThan(8);
  });

  it('exported ONNX segmenter in onnxruntime gives the same mIoU as the in-framework evaluation', () => {
    const ckpt = path.join(runA, 'checkpoints', STAGE, 'latest');
    const out = path.join(dir, 'onnx');
    const ex = runCli(['export-onnx', '--config', config, '--run-dir', runA, '--checkpoint', ckpt, '--out', out]);
    expect(ex.status).toBe(0);
    const fw = runCli(['evaluate', '--config', config, '--run-dir', runA, '--checkpoint', ckpt]);
    expect(fw.status).toBe(0);
    // Each evaluation writes its own result.json and prints its path.
    const resultOf = (stdout: string) => JSON.parse(fs.readFileSync(/result: (\S+)/.exec(stdout)?.[1] as string, 'utf8'));
    const rf = resultOf(fw.stdout);
    const preds = path.join(dir, 'preds');
    const ox = runCli(['evaluate', '--config', config, '--run-dir', runA, '--onnx', path.join(out, 'segmenter.onnx'), '--export-cityscapes', preds]);
    expect(ox.status).toBe(0);
    const ro = resultOf(ox.stdout);
    expect(ro.model).toContain('segmenter.onnx');
    expect(ro.pixels).toBe(rf.pixels);
    expect(Math.abs(ro.miou19 - rf.miou19)).toBeLessThanOrEqual(1e-6);
    // JSON writes NaN (class absent from prediction and ground truth) as null.
    const cls = (xs: { iou: number | null }[]) => xs.map((c) => (c.iou === null ? -1 : Math.round(c.iou * 1e6)));
    expect(cls(ro.classes)).toEqual(cls(rf.classes));
    // Predictions for the official scripts: one labelId PNG per val image, named <city>_<seq>_<frame>_leftImg8bit.png.
    const files = fs.readdirSync(preds);
    expect(files).toHaveLength(3);
    for (const f of files) expect(f).toMatch(/^[a-z]+_\d{6}_\d{6}_leftImg8bit\.png$/);
  });
});
