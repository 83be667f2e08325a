/**
 * Kills through the real CLI at exact points of checkpoint saves (a preload
 * SIGKILLs the process before/after a chosen file-system call, see
 * testing/fault-preload.js), then reruns the same command: the run must end
 * with the weights, optimizer state, loss log, evaluation log and best
 * checkpoint of an uninterrupted run, for DeepLabV2, FCN8s and the
 * translator. Tiny networks and images on the cpu backend.
 *
 * `SEMADAPT_FAULT_FULL=1` also kills DeepLabV2's train-source at every
 * counted call of an uninterrupted run (before and after), each followed by
 * a rerun — a few hundred runs, not for CI.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateDemoBenchmark } from '@semadapt/data-core';
import { expectSameAsUninterrupted, readTrace, runWithFault } from './testing/fault-run';

jest.setTimeout(600_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-faults-'));
const SOURCE = 'round0/train-source';
const TRANSLATOR = 'round1/train-translator';
let data: { root: string };

function writeConfig(name: string, segmenter: unknown, extra: Record<string, unknown> = {}): string {
  const cfg = {
    // wasm for FCN8s (its padding of 100 makes the cpu backend take ~15 s a step) and the translator (~50 s a step on cpu).
    backend: (segmenter as { arch: string }).arch === 'fcn8s' || name === 'translator' ? 'wasm' : 'cpu',
    onnxThreads: 1,
    optimization: { seed: 3, sourceSteps: 8, translatorSteps: 6, checkpointEvery: 2, evalEvery: 4, batchSize: 2 },
    model: { segmenter, translator: { widthMultiplier: 0.0625, residualBlocks: 1, discriminatorScales: 1 } },
    data: {
      source: { dataset: 'gta5', root: path.join(data.root, 'gta5') },
      target: { dataset: 'cityscapes', root: path.join(data.root, 'cityscapes') },
      resize: [32, 16], translatorCrop: null, segmenterCrop: null, workers: 0,
    },
    logging: { progress: 'plain', plainEverySeconds: 0.001, reportImages: 1 },
    ...extra,
  };
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(cfg));
  return file;
}

const DEEPLAB = { arch: 'deeplabv2', network: { width: 0.0625, depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, asppDilations: [1, 2] } };
const FCN8S = { arch: 'fcn8s', network: { width: 0.03125 } };

/** The CLI's combined output, for failure messages. */
const out = (r: { stdout: string; stderr: string }): string => `${r.stdout}\n${r.stderr}`;

function expectKilled(r: ReturnType<typeof runWithFault>): void {
  if (r.signal !== 'SIGKILL') throw new Error(`expected a SIGKILL, got status ${r.status}:\n${out(r).slice(-3000)}`);
}

function expectOk(r: ReturnType<typeof runWithFault>): void {
  if (r.status !== 0) throw new Error(`exit ${r.status} ${r.signal ?? ''}:\n${out(r).slice(-3000)}`);
}

beforeAll(() => {
  data = generateDemoBenchmark({ root: path.join(dir, 'data'), width: 32, height: 16, counts: { source: 6, targetTrain: 4, targetVal: 3 }, imagesPerCity: 2 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('SIGKILL inside checkpoint saves, then rerun = uninterrupted run', () => {
  it('DeepLabV2 train-source: latest.old with a complete staging, a kill while the old checkpoint is deleted, kills around both evaluations and the best copy', async () => {
    const config = writeConfig('deeplab', DEEPLAB);
    const ref = path.join(dir, 'deeplab-ref');
    const trace = path.join(dir, 'deeplab-trace.tsv');
    expectOk(runWithFault(['train-source', '--config', config, '--run-dir', ref], undefined, trace));
    const calls = readTrace(trace);
    expect(calls.length).toBeGreaterThan(20);

    const run = path.join(dir, 'deeplab-B');
    const args = ['train-source', '--config', config, '--run-dir', run];
    const ckpt = (n: string) => path.join(run, 'checkpoints', SOURCE, n);
    // 1. Step 4's save: killed between "latest → latest.old" and "staging → latest".
    expectKilled(runWithFault(args, { match: '^renameSync \\S*/latest -> \\S*/latest\\.old$', when: 'after' }));
    expect(fs.existsSync(ckpt('latest'))).toBe(false);
    expect(fs.readdirSync(path.dirname(ckpt('latest'))).some((n) => n.startsWith('latest.staging-'))).toBe(true);
    // 2. The resume is killed while it deletes the old checkpoint (two files gone).
    expectKilled(runWithFault(args, { match: '^unlinkSync \\S*/latest\\.(old|trash-[\\d-]+)/', nth: 2, when: 'after' }));
    // 3. Killed before best/ of step 4's evaluation is in place.
    expectKilled(runWithFault(args, { match: '^renameSync \\S*/best\\.staging-\\d+ -> \\S*/best$', when: 'before' }));
    // 4. Killed right after step 8's checkpoint, before its evaluation.
    const r4 = runWithFault(args, { match: '^renameSync \\S*/latest\\.staging-\\d+ -> \\S*/latest$', nth: 2, when: 'after' });
    expectKilled(r4);
    expect(out(r4)).toMatch(/resuming from step 4 .*evaluation did not finish and runs again/);
    // 5. To the end.
    const r5 = runWithFault(args);
    expectOk(r5);
    expect(out(r5)).toMatch(/resuming from step 8 .*evaluation did not finish and runs again/);
    await expectSameAsUninterrupted(ref, run, SOURCE, 'segmenter.safetensors', true);
  });

  it('FCN8s (dropout) resumes exactly: the dropout streams are in the checkpoint', async () => {
    const config = writeConfig('fcn8s', FCN8S);
    const ref = path.join(dir, 'fcn-ref');
    expectOk(runWithFault(['train-source', '--config', config, '--run-dir', ref]));
    const run = path.join(dir, 'fcn-B');
    const args = ['train-source', '--config', config, '--run-dir', run];
    // Killed while step 2's weights are being written (a half-written file in staging): resumes from scratch,
    // then killed in step 6's save before latest → latest.old (dropout has drawn masks for steps 1–6): the complete
    // step-6 staging folder is recovered and training resumes from there.
    expectKilled(runWithFault(args, { match: '^handle\\.write \\S*/latest\\.staging-\\d+/segmenter\\.safetensors', when: 'after' }));
    expectKilled(runWithFault(args, { match: '^renameSync \\S*/latest -> \\S*/latest\\.old$', nth: 2, when: 'before' }));
    expectOk(runWithFault(args));
    await expectSameAsUninterrupted(ref, run, SOURCE, 'segmenter.safetensors', true);
  });

  it('translator: kills inside two saves of train-translator, then rerun', async () => {
    const config = writeConfig('translator', DEEPLAB, {});
    const ref = path.join(dir, 'tr-ref');
    expectOk(runWithFault(['train-source', '--config', config, '--run-dir', ref]));
    const run = path.join(dir, 'tr-B');
    fs.cpSync(ref, run, { recursive: true });
    expectOk(runWithFault(['train-translator', '--config', config, '--run-dir', ref, '--round', '1']));
    const args = ['train-translator', '--config', config, '--run-dir', run, '--round', '1'];
    expectKilled(runWithFault(args, { match: '^promises\\.rename \\S*/round1/train-translator/latest\\.staging-\\d+/translator\\.safetensors', nth: 2, when: 'after' }));
    // The resume's first save (step 4), killed before its staging folder becomes latest.
    expectKilled(runWithFault(args, { match: '^renameSync \\S*/round1/train-translator/latest\\.staging-\\d+ -> \\S*/latest$', nth: 1, when: 'before' }));
    expectOk(runWithFault(args));
    await expectSameAsUninterrupted(ref, run, TRANSLATOR, 'translator.safetensors', false);
  });

  // Registered only when asked for (hundreds of CLI runs).
  if (process.env['SEMADAPT_FAULT_FULL'] === '1') it('every counted call of DeepLabV2 train-source, before and after (SEMADAPT_FAULT_FULL=1)', async () => {
    const config = writeConfig('deeplab-full', DEEPLAB);
    const ref = path.join(dir, 'full-ref');
    const trace = path.join(dir, 'full-trace.tsv');
    expectOk(runWithFault(['train-source', '--config', config, '--run-dir', ref], undefined, trace));
    for (const { n } of readTrace(trace)) {
      for (const when of ['before', 'after'] as const) {
        const run = path.join(dir, `full-${n}-${when}`);
        const args = ['train-source', '--config', config, '--run-dir', run];
        expectKilled(runWithFault(args, { at: n, when }));
        // A second fault during the resume's own saves.
        const again = runWithFault(args, { at: 5, when });
        if (again.signal !== 'SIGKILL') expectOk(again);
        expectOk(runWithFault(args));
        await expectSameAsUninterrupted(ref, run, SOURCE, 'segmenter.safetensors', true);
        fs.rmSync(run, { recursive: true, force: true });
      }
    }
  });
});
