/**
 * Resuming from a checkpoint mid-training gives exactly the losses of an
 * uninterrupted run: weights, spectral-norm `u`/`v`, both Adam states and the
 * step (hence the poly schedule) all round-trip through core-layers'
 * safetensors checkpoint. wasm, pure kernels (deterministic), tiny model.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { loadCheckpoint, saveCheckpoint } from '@semadapt/core-layers';
import { setTestBackend } from '@semadapt/core-layers/testing';
import { Translator } from '../networks/translator';
import { TranslatorBatch, TranslatorTrainer } from './translator-trainer';

const config = { widthMultiplier: 1 / 16, residualBlocks: 1, guidanceClasses: 3, discriminatorScales: 1 } as const;
const training = { sce: false, optimization: { schedule: { kind: 'poly', maxSteps: 10, power: 0.9 } } } as const;

/** A 16×16 batch of 3 guidance classes: images uniform in [−1, 1], logits N(0, 1), seeds `seed` … `seed + 3`. */
function randomBatch(seed: number): TranslatorBatch {
  return {
    source: tf.randomUniform([1, 16, 16, 3], -1, 1, 'float32', seed) as tf.Tensor4D,
    target: tf.randomUniform([1, 16, 16, 3], -1, 1, 'float32', seed + 1) as tf.Tensor4D,
    guidance: { kind: 'logits', source: tf.randomNormal([1, 16, 16, 3], 0, 1, 'float32', seed + 2) as tf.Tensor4D, target: tf.randomNormal([1, 16, 16, 3], 0, 1, 'float32', seed + 3) as tf.Tensor4D },
  };
}

function disposeBatch(batch: TranslatorBatch): void {
  tf.dispose([batch.source, batch.target]);
  if (batch.guidance.kind === 'logits') tf.dispose([batch.guidance.source, batch.guidance.target]);
}

describe('TranslatorTrainer checkpoint resume (wasm, 16×16)', () => {
  const savedNative = process.env['SEMADAPT_NATIVE'];
  let dir: string;
  beforeAll(async () => {
    process.env['SEMADAPT_NATIVE'] = '0';
    await setTestBackend('wasm');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'translator-ckpt-'));
  });
  afterAll(() => {
    if (savedNative === undefined) delete process.env['SEMADAPT_NATIVE'];
    else process.env['SEMADAPT_NATIVE'] = savedNative;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('save after step 2 of a run, resume in a fresh trainer (other seed): steps 3 and 4 give identical losses', async () => {
    const batch = randomBatch(1);
    const file = path.join(dir, 'translator.safetensors');

    const a = new Translator({ ...config, seed: 1 });
    const trainerA = new TranslatorTrainer(a, training);
    trainerA.step(batch);
    trainerA.step(batch);
    await trainerA.save(file, { note: 'mid-run' });
    const savedBuffers = a.namedBuffers().map(([n, v]) => [n, Array.from(v.dataSync())] as const);
    const uninterrupted = [trainerA.step(batch), trainerA.step(batch)];

    const b = new Translator({ ...config, seed: 2 });
    const trainerB = new TranslatorTrainer(b, training);
    // Different seed: different weights and u before loading.
    expect(b.E_s.stem.namedParameters()[0][1].dataSync()[0]).not.toBe(a.E_s.stem.namedParameters()[0][1].dataSync()[0]);
    expect(await trainerB.load(file)).toBe(2);
    expect(trainerB.stepCount).toBe(2);
    expect(trainerB.optimizerD.stepCount).toBe(2);
    expect(b.namedBuffers().map(([n, v]) => [n, Array.from(v.dataSync())])).toEqual(savedBuffers);
    const resumed = [trainerB.step(batch), trainerB.step(batch)];
    expect(resumed).toEqual(uninterrupted);

    // A checkpoint of another architecture is refused, naming what differs.
    const other = new TranslatorTrainer(new Translator({ ...config, guidanceClasses: 4 }), training);
    await expect(other.load(file)).rejects.toThrow(/shape/);
    other.translator.dispose();
    other.dispose();
    for (const t of [trainerA, trainerB]) {
      t.dispose();
      t.translator.dispose();
    }
    disposeBatch(batch);
  });

  it("checkpointTargets is the run directories' layout: a file the pipeline wrote before trainers owned checkpoints resumes to identical weights", async () => {
    const batch = randomBatch(5);
    const file = path.join(dir, 'old-layout.safetensors');
    const a = new Translator({ ...config, seed: 1 });
    const trainerA = new TranslatorTrainer(a, training);
    trainerA.step(batch);
    // The writer of packages/pipeline engine/translator-stage.ts before issue 21, verbatim:
    // bare module names, optimizers G and D reached from outside the trainer, step and metadata.
    await saveCheckpoint(file, { modules: { '': a }, optimizers: { G: trainerA.optimizerG, D: trainerA.optimizerD } }, {
      step: trainerA.stepCount,
      metadata: { guidanceClasses: 3, config: { ...config, ...training } },
    });
    const header = readSafetensorsHeaderNames(file);
    expect(header).toContain('D_s.scale1.down1.conv.module.weight');
    expect(header.some((n) => n.startsWith('optimizer.G.'))).toBe(true);
    trainerA.step(batch);
    const uninterrupted = a.namedParameters().map(([n, p]) => [n, Array.from(p.dataSync())] as const);

    const b = new Translator({ ...config, seed: 2 });
    const trainerB = new TranslatorTrainer(b, training);
    await loadCheckpoint(file, trainerB.checkpointTargets());
    expect(trainerB.stepCount).toBe(1);
    trainerB.step(batch);
    expect(b.namedParameters().map(([n, p]) => [n, Array.from(p.dataSync())])).toEqual(uninterrupted);

    // And the trainer's own save writes that same layout: the old loader call reads it.
    const again = path.join(dir, 'trainer-save.safetensors');
    await trainerB.save(again);
    expect(readSafetensorsHeaderNames(again).sort()).toEqual([...header].sort());
    const c = new Translator({ ...config, seed: 3 });
    const trainerC = new TranslatorTrainer(c, training);
    const loaded = await loadCheckpoint(again, { modules: { '': c }, optimizers: { G: trainerC.optimizerG, D: trainerC.optimizerD } });
    expect(loaded.step).toBe(2);
    expect(c.namedParameters().map(([n, p]) => [n, Array.from(p.dataSync())])).toEqual(uninterrupted);
    for (const t of [trainerA, trainerB, trainerC]) {
      t.dispose();
      t.translator.dispose();
    }
    disposeBatch(batch);
  });
});

/** Tensor names of a safetensors file, read from its JSON header (8-byte little-endian length, then JSON). */
function readSafetensorsHeaderNames(file: string): string[] {
  const buf = fs.readFileSync(file);
  const len = Number(buf.readBigUInt64LE(0));
  return Object.keys(JSON.parse(buf.subarray(8, 8 + len).toString('utf8'))).filter((k) => k !== '__metadata__');
}
