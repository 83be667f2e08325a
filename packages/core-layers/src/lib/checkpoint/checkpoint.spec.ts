/**
 * Checkpoints: a model + optimizer + RNG written, read into fresh objects,
 * gives bit-identical outputs and an identical continuation; damaged files
 * give clear errors and change nothing; mismatches are listed exactly.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { setTestBackend, testBackends, expectNoTensorLeak } from '../../testing';
import { Module } from '../module/module';
import { Rng } from '../init/rng';
import { Adam } from '../optim/adam';
import { Sgd } from '../optim/sgd';
import { disposeGradients } from '../optim/optimizer';
import { CheckpointMismatchError, loadCheckpoint, saveCheckpoint } from './checkpoint';
import { SafetensorsError, readSafetensors, writeSafetensors } from './safetensors';

/** conv 3×3 (HWIO [3,3,2,out]) + bias, then a running-mean-like buffer subtracted. */
class TinyNet extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly head: Head;
  constructor(seed: number, out = 3) {
    super();
    const rng = new Rng(seed);
    this.weight = this.registerParameter('weight', tf.tensor4d(rng.normalArray(3 * 3 * 2 * out, 0, 0.5), [3, 3, 2, out]));
    this.bias = this.registerParameter('bias', tf.tensor1d(rng.normalArray(out)), { weightDecay: false });
    this.head = this.registerModule('head', new Head(rng, out));
  }
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.head.forward(tf.add(tf.conv2d(x, this.weight as tf.Tensor4D, 1, 'same'), this.bias)));
  }
}

class Head extends Module {
  readonly scale: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly count: tf.Variable;
  constructor(rng: Rng, out: number) {
    super();
    this.scale = this.registerParameter('scale', tf.tensor1d(rng.uniformArray(out, 0.5, 1.5)), { lrMultiplier: 10 });
    this.runningMean = this.registerBuffer('running_mean', tf.tensor1d(rng.normalArray(out)));
    this.count = this.registerBuffer('num_batches_tracked', tf.scalar(rng.int(100), 'int32'));
  }
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.mul(tf.sub(x, this.runningMean), this.scale);
  }
}

function input(): tf.Tensor4D {
  return tf.tensor4d(new Rng(99).normalArray(1 * 4 * 4 * 2), [1, 4, 4, 2]);
}

function trainStep(net: TinyNet, opt: Adam | Sgd, x: tf.Tensor4D): number {
  return opt.minimize(() => tf.mean(tf.square(net.forward(x))) as tf.Scalar);
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-ckpt-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

for (const backend of testBackends()) {
  describe(`checkpoints on ${backend}`, () => {
    beforeAll(async () => {
      await setTestBackend(backend);
    });

    it('round trip x=[1,4,4,2] conv3x3→3 + buffers + Adam + rng + metadata: identical outputs and continuation', async () => {
      const file = path.join(dir, `rt-${backend}.safetensors`);
      const x = input();
      const a = new TinyNet(1);
      const optA = new Adam(a, { lr: 0.01, betas: [0.5, 0.999], weightDecay: 1e-3, schedule: { kind: 'poly', maxSteps: 100, power: 0.9 } });
      for (let i = 0; i < 3; i++) trainStep(a, optA, x);
      const dataRng = new Rng(7);
      dataRng.uniform();
      await saveCheckpoint(file, { modules: { '': a }, optimizers: { G: optA } }, {
        step: 3, rng: { data: dataRng }, metadata: { config: { lr: 0.01 }, note: 'ü' },
      });

      const b = new TinyNet(2);
      const optB = new Adam(b, { lr: 0.01, betas: [0.5, 0.999], weightDecay: 1e-3, schedule: { kind: 'poly', maxSteps: 100, power: 0.9 } });
      const outBefore = b.forward(x);
      const outA = a.forward(x);
      expect(Array.from(outBefore.dataSync())).not.toEqual(Array.from(outA.dataSync()));
      const loaded = await loadCheckpoint(file, { modules: { '': b }, optimizers: { G: optB } });
      expect(loaded.step).toBe(3);
      expect(loaded.metadata).toEqual({ config: { lr: 0.01 }, note: 'ü' });
      expect(loaded.report.missing).toEqual([]);
      expect(Rng.fromState(loaded.rng['data']).uniform()).toBe(dataRng.uniform());
      expect(optB.stepCount).toBe(3);
      for (const [name, v] of a.stateDict()) {
        const w = b.stateDict().get(name) as tf.Variable;
        expect(w.dtype).toBe(v.dtype);
        expect(Array.from(w.dataSync())).toEqual(Array.from(v.dataSync()));
      }
      const outB = b.forward(x);
      expect(Array.from(outB.dataSync())).toEqual(Array.from(outA.dataSync()));
      // Training continues identically (moments, per-parameter steps and the schedule were restored).
      for (let i = 0; i < 2; i++) expect(trainStep(b, optB, x)).toBe(trainStep(a, optA, x));
      expect(Array.from(b.weight.dataSync())).toEqual(Array.from(a.weight.dataSync()));
      // Names as documented.
      const names = [...(await readSafetensors(file)).tensors.keys()];
      expect(names).toEqual(expect.arrayContaining(['weight', 'head.running_mean', 'head.num_batches_tracked', 'optimizer.G.step', 'optimizer.G.exp_avg.head.scale']));
      tf.dispose([x, outBefore, outA, outB]);
      for (const o of [optA, optB]) o.dispose();
      for (const m of [a, b]) m.dispose();
    });

    it('several modules and optimizers under keys (G/D, SGD with momentum), no tensor leak', async () => {
      const file = path.join(dir, `multi-${backend}.safetensors`);
      const g = new TinyNet(3);
      const d = new TinyNet(4, 2);
      const optG = new Sgd(g, { lr: 0.1, momentum: 0.9 });
      const optD = new Adam(d, { lr: 0.1 });
      const x = input();
      trainStep(g, optG, x);
      trainStep(d, optD, x);
      const g2 = new TinyNet(5);
      const d2 = new TinyNet(6, 2);
      const optG2 = new Sgd(g2, { lr: 0.1, momentum: 0.9 });
      const optD2 = new Adam(d2, { lr: 0.1 });
      await expectNoTensorLeak(async () => {
        await saveCheckpoint(file, { modules: { G: g, D: d }, optimizers: { G: optG, D: optD } }, { step: 1 });
        await loadCheckpoint(file, { modules: { G: g2, D: d2 }, optimizers: { G: optG2, D: optD2 } });
      }, 'save+load');
      expect(Array.from(d2.head.scale.dataSync())).toEqual(Array.from(d.head.scale.dataSync()));
      const sg = optG.stateDict();
      const sg2 = optG2.stateDict();
      expect(Array.from((sg2.get('momentum_buffer.weight') as tf.Tensor).dataSync())).toEqual(Array.from((sg.get('momentum_buffer.weight') as tf.Tensor).dataSync()));
      disposeGradients(sg);
      disposeGradients(sg2);
      const names = [...(await readSafetensors(file)).tensors.keys()];
      expect(names).toEqual(expect.arrayContaining(['G.weight', 'D.head.scale', 'optimizer.G.momentum_buffer.weight', 'optimizer.D.exp_avg_sq.bias']));
      x.dispose();
      for (const o of [optG, optD, optG2, optD2]) o.dispose();
      for (const m of [g, d, g2, d2]) m.dispose();
    });

    it('mismatch: strict lists missing/unexpected/mis-shaped and changes nothing; non-strict loads the rest', async () => {
      const file = path.join(dir, `mm-${backend}.safetensors`);
      const a = new TinyNet(1, 3);
      await saveCheckpoint(file, { modules: { '': a } });
      // out=4: weight, bias, scale, running_mean mis-shaped; plus an extra module and no 'head.count'.
      class Other extends TinyNet {
        readonly extra: tf.Variable;
        constructor() {
          super(8, 4);
          this.extra = this.registerParameter('extra', tf.zeros([2]));
        }
      }
      const b = new Other();
      const before = Array.from(b.weight.dataSync());
      const err = await loadCheckpoint(file, { modules: { '': b } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CheckpointMismatchError);
      const msg = (err as Error).message;
      expect(msg).toContain(file);
      expect(msg).toMatch(/missing \(1\): extra/);
      expect(msg).toMatch(/weight expected \[3,3,2,4\] found \[3,3,2,3\]/);
      expect(msg).toMatch(/head\.running_mean expected \[4\] found \[3\]/);
      expect(Array.from(b.weight.dataSync())).toEqual(before);

      // The same model under a key: every name differs by the prefix.
      class Wrapped extends Module {
        readonly net = this.registerModule('net', new TinyNet(10, 3));
      }
      const fc = new Wrapped();
      const err2 = await loadCheckpoint(file, { modules: { net: fc.net } }).catch((e: unknown) => e);
      expect((err2 as CheckpointMismatchError).report.unexpected).toEqual(expect.arrayContaining(['weight', 'bias']));
      expect((err2 as CheckpointMismatchError).report.missing).toEqual(expect.arrayContaining(['net.weight']));

      const r = await loadCheckpoint(file, { modules: { '': b } }, { strict: false });
      expect(r.report.missing).toEqual(['extra']);
      expect(r.report.misShaped.map((m) => m.name).sort()).toEqual(['bias', 'head.running_mean', 'head.scale', 'weight']);
      expect(r.report.loaded).toEqual(['head.num_batches_tracked']);
      expect(Array.from(b.head.count.dataSync())).toEqual(Array.from(a.head.count.dataSync()));
      expect(Array.from(b.weight.dataSync())).toEqual(before);
      for (const m of [a, b, fc]) m.dispose();
    });

    it('a plain weights file from another writer (e.g. the .pth converter) loads, with step 0 and its metadata', async () => {
      const file = path.join(dir, `foreign-${backend}.safetensors`);
      const a = new TinyNet(1);
      // As tools/convert_pth_to_safetensors.py writes: F32 tensors, its own metadata, a 'step' key that is not ours.
      await writeSafetensors(file, new Map<string, tf.Tensor>(a.namedParameters()), { format: 'semadapt-segmenter', step: 'not-a-number' });
      const b = new TinyNet(2);
      const r = await loadCheckpoint(file, { modules: { '': b } }, { strict: false });
      expect(r.step).toBe(0);
      expect(r.rng).toEqual({});
      expect(r.metadata).toBeUndefined();
      expect(r.fileMetadata['format']).toBe('semadapt-segmenter');
      expect(r.report.missing.sort()).toEqual(['head.num_batches_tracked', 'head.running_mean']);
      expect(Array.from(b.weight.dataSync())).toEqual(Array.from(a.weight.dataSync()));
      // One of ours with an unknown version is refused.
      await writeSafetensors(file, new Map<string, tf.Tensor>(a.namedParameters()), { format: 'semadapt.checkpoint', format_version: '9' });
      await expect(loadCheckpoint(file, { modules: { '': b } }, { strict: false })).rejects.toThrow(/format_version 9 is not supported/);
      a.dispose();
      b.dispose();
    });

    it('dtype mismatch is reported (int32 buffer vs float32 in file)', async () => {
      const file = path.join(dir, `dt-${backend}.safetensors`);
      class F extends Module {
        readonly n = this.registerBuffer('n', tf.scalar(3));
      }
      class I extends Module {
        readonly n = this.registerBuffer('n', tf.scalar(0, 'int32'));
      }
      const f = new F();
      const i = new I();
      await saveCheckpoint(file, { modules: { '': f } });
      const err = await loadCheckpoint(file, { modules: { '': i } }).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/wrong dtype \(1\): n expected int32 found float32/);
      f.dispose();
      i.dispose();
    });

    it('truncated or corrupted checkpoint: clear error naming the file, model unchanged, previous good file still loads', async () => {
      const file = path.join(dir, `bad-${backend}.safetensors`);
      const a = new TinyNet(1);
      await saveCheckpoint(file, { modules: { '': a } }, { step: 5 });
      const good = fs.readFileSync(file);
      const b = new TinyNet(2);
      const before = Array.from(b.weight.dataSync());
      const damaged: Array<[string, Buffer, RegExp]> = [
        ['truncated', good.subarray(0, good.length - 10), /truncated or corrupt: tensor .* out of range/],
        ['header cut', good.subarray(0, 30), /truncated or corrupt: header length/],
        ['header corrupted', Buffer.concat([good.subarray(0, 9), Buffer.from('#'), good.subarray(10)]), /corrupt header/],
      ];
      for (const [label, bytes, message] of damaged) {
        const bad = path.join(dir, `bad-${label.replace(/\W/g, '_')}-${backend}.safetensors`);
        fs.writeFileSync(bad, bytes);
        const err = await loadCheckpoint(bad, { modules: { '': b } }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(SafetensorsError);
        expect((err as Error).message).toContain(bad);
        expect((err as Error).message).toMatch(message);
        expect(Array.from(b.weight.dataSync())).toEqual(before);
      }
      // A failed save (a disposed tensor in the model) leaves the previous checkpoint byte-identical.
      const broken = new TinyNet(3);
      broken.bias.dispose();
      await expect(saveCheckpoint(file, { modules: { '': broken } }, { step: 6 })).rejects.toThrow(/'bias' is disposed/);
      expect(fs.readFileSync(file)).toEqual(good);
      expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
      // A leftover temporary file from a crashed writer does not affect the checkpoint.
      fs.writeFileSync(`${file}.tmp-12345`, good.subarray(0, 17));
      const r = await loadCheckpoint(file, { modules: { '': b } });
      expect(r.step).toBe(5);
      expect(Array.from(b.weight.dataSync())).toEqual(Array.from(a.weight.dataSync()));
      fs.rmSync(`${file}.tmp-12345`);
      for (const m of [a, b, broken]) m.dispose();
    });
  });
}
