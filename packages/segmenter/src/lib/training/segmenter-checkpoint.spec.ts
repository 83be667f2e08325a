/**
 * The trainer owns what a checkpoint of its training holds
 * (`checkpointTargets`, `save`, `load`): the segmenter, its optimizer and, in
 * adapt mode, the output-space discriminator and its optimizer, plus the
 * dropout streams. The layout is the run directories' `segmenter.safetensors`
 * (net.*, D.*, optimizer.S.*, optimizer.D.*, rng `layer:net.drop6`…), so a
 * file the pipeline wrote before trainers owned checkpoints resumes exactly.
 * FCN8s (dropout streams advance every step), adapt mode, wasm (deterministic).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { Rng, loadCheckpoint, saveCheckpoint, type Module } from '@semadapt/core-layers';
import { setTestBackend } from '@semadapt/core-layers/testing';
import { FCN8s } from '../networks/fcn8s';
import { SegmenterTrainer, type AdaptBatch } from './segmenter-trainer';
import { layerRandomStreams } from './layer-random-streams';

const CLASSES = 4;
const net = (seed: number) => new FCN8s({ widthMultiplier: 1 / 64, numClasses: CLASSES, rng: new Rng(seed) });
const trainerOf = (n: FCN8s, seed: number) =>
  new SegmenterTrainer(n, {
    segmenterOptimizer: { kind: 'adam', lr: 1e-3, betas: [0.9, 0.99], weightDecay: 0, schedule: { kind: 'poly', maxSteps: 10, power: 0.9 } },
    discriminator: { baseChannels: 4, rng: new Rng(seed) },
  });

function weights(modules: Record<string, Module>): Array<[string, number[]]> {
  return Object.entries(modules).flatMap(([k, m]) => [...m.stateDict()].map(([n, v]) => [`${k}.${n}`, Array.from(v.dataSync())] as [string, number[]]));
}

/** Tensor names of a safetensors file (8-byte little-endian header length, then the JSON header). */
function tensorNames(file: string): string[] {
  const buf = fs.readFileSync(file);
  const len = Number(buf.readBigUInt64LE(0));
  return Object.keys(JSON.parse(buf.subarray(8, 8 + len).toString('utf8'))).filter((k) => k !== '__metadata__').sort();
}

describe('SegmenterTrainer checkpoints (FCN8s adapt, wasm, 32×32)', () => {
  let dir: string;
  let batch: AdaptBatch;
  beforeAll(async () => {
    await setTestBackend('wasm');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segmenter-ckpt-'));
    batch = tf.tidy(() => ({
      source: tf.randomUniform([1, 32, 32, 3], 0, 255, 'float32', 1) as tf.Tensor4D,
      sourceLabels: tf.randomUniform([1, 32, 32], 0, CLASSES, 'int32', 2) as tf.Tensor3D,
      target: tf.randomUniform([1, 32, 32, 3], 0, 255, 'float32', 3) as tf.Tensor4D,
      targetLabels: tf.randomUniform([1, 32, 32], 0, CLASSES, 'int32', 4) as tf.Tensor3D,
    }));
  });
  afterAll(() => {
    tf.dispose(Object.values(batch));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('checkpointTargets: net + D modules, S + D optimizers (adapt); net + S only (source-only)', () => {
    const a = net(1);
    const t = trainerOf(a, 2);
    const targets = t.checkpointTargets();
    expect(Object.keys(targets.modules)).toEqual(['net', 'D']);
    expect(targets.modules['net']).toBe(a);
    expect(targets.modules['D']).toBe(t.discriminator);
    expect(targets.optimizers).toEqual({ S: t.segmenterOptimizer, D: t.discriminatorOptimizer });
    t.dispose();
    const s = new SegmenterTrainer(a, { mode: { kind: 'sourceOnly' } });
    expect(Object.keys(s.checkpointTargets().modules)).toEqual(['net']);
    expect(Object.keys(s.checkpointTargets().optimizers)).toEqual(['S']);
    s.dispose();
    a.dispose();
  });

  it('a checkpoint written by the pre-issue-21 pipeline writer resumes to the weights of an uninterrupted run; save() writes that layout', async () => {
    const a = net(1);
    const trainerA = trainerOf(a, 2);
    trainerA.step(batch);
    trainerA.step(batch);
    // packages/pipeline engine/segmenter-stage.ts before issue 21, verbatim: targets assembled
    // outside the trainer, step from the segmenter optimizer, the modules' dropout streams.
    const old = { modules: { net: a, D: trainerA.discriminator as Module }, optimizers: { S: trainerA.segmenterOptimizer, D: trainerA.discriminatorOptimizer as NonNullable<typeof trainerA.discriminatorOptimizer> } };
    const file = path.join(dir, 'old.safetensors');
    await saveCheckpoint(file, old, { step: trainerA.segmenterOptimizer.stepCount, rng: layerRandomStreams(old.modules) });
    trainerA.step(batch);
    trainerA.step(batch);
    const uninterrupted = weights(trainerA.checkpointTargets().modules);

    const b = net(7);
    const trainerB = trainerOf(b, 8);
    const loaded = await trainerB.load(file);
    expect(loaded).toEqual({ step: 2, missingStreams: [] });
    expect(trainerB.stepCount).toBe(2);
    trainerB.step(batch);
    trainerB.step(batch);
    expect(weights(trainerB.checkpointTargets().modules)).toEqual(uninterrupted);

    const again = path.join(dir, 'new.safetensors');
    await trainerB.save(again);
    expect(tensorNames(again)).toEqual(tensorNames(file));
    // The old reader (the same targets assembled by hand) reads what save() wrote, with the dropout streams.
    const c = net(9);
    const trainerC = trainerOf(c, 10);
    const r = await loadCheckpoint(again, { modules: { net: c, D: trainerC.discriminator as Module }, optimizers: { S: trainerC.segmenterOptimizer, D: trainerC.discriminatorOptimizer as NonNullable<typeof trainerC.discriminatorOptimizer> } });
    expect(r.step).toBe(4);
    expect(Object.keys(r.rng).sort()).toEqual(['layer:net.drop6', 'layer:net.drop7']);
    expect(weights(trainerC.checkpointTargets().modules)).toEqual(uninterrupted);
    for (const [t, n] of [[trainerA, a], [trainerB, b], [trainerC, c]] as const) {
      t.dispose();
      n.dispose();
    }
  });

  it('a checkpoint without dropout streams (older still) loads and names the streams it lacks', async () => {
    const a = net(1);
    const trainerA = trainerOf(a, 2);
    const file = path.join(dir, 'no-streams.safetensors');
    await saveCheckpoint(file, trainerA.checkpointTargets(), { step: 0 });
    const b = net(3);
    const trainerB = trainerOf(b, 4);
    expect(await trainerB.load(file)).toEqual({ step: 0, missingStreams: ['layer:net.drop6', 'layer:net.drop7'] });
    for (const [t, n] of [[trainerA, a], [trainerB, b]] as const) {
      t.dispose();
      n.dispose();
    }
  });
});
