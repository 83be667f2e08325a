/**
 * `evaluate --onnx` on our own exports: the segmenter ONNX takes RGB
 * [0, 255] and normalises inside, its metadata says so, and the evaluator
 * feeds it raw pixels — scored logits equal the in-framework forward on the
 * same pixels (onnxruntime vs tfjs, ≤ 1e-4). An export in the contract from
 * before (input BGR minus the Caffe mean, no metadata) — made here from a
 * current export by removing its normalisation nodes and metadata — is
 * detected and fed BGR minus the mean, with the same logits. The header
 * reader is checked against protobufjs' full decode.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { decodeOnnx, encodeOnnx, Rng } from '@semadapt/core-layers';
import { relativeError, setTestBackend } from '@semadapt/core-layers/testing';
import type { ImageU8 } from '@semadapt/data-core';
import { exportSegmenterOnnx, FCN8s } from '@semadapt/segmenter';
import { openOnnxEvaluator } from './onnx-evaluator';
import { readOnnxHeader, requireRgbSegmenterOnnx, segmenterOnnxContract } from './onnx-header';
import { networkLogits } from './segmenter-stage';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-onnx-evaluator-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function image(w: number, h: number, seed: number): ImageU8 {
  const rng = new Rng(seed);
  return { width: w, height: h, channels: 3, data: Uint8Array.from({ length: w * h * 3 }, () => Math.floor(rng.uniform() * 256)) };
}

/** The same network in the contract of our exports before the normalisation moved into the graph. */
function legacyExport(bytes: Uint8Array): Uint8Array {
  const model = decodeOnnx(bytes);
  const graph = model.graph!;
  const input = graph.input![0].name as string;
  // The normalisation nodes are the graph's first (scope 'input'): Gather (RGB → BGR) and Add (−mean).
  const norm = graph.node!.filter((n) => (n.output ?? []).some((o) => o.startsWith('input.')));
  expect(norm.map((n) => n.opType)).toEqual(['Gather', 'Add']);
  const normalized = norm[1].output![0];
  graph.node = graph.node!.filter((n) => !norm.includes(n));
  for (const n of graph.node) n.input = n.input!.map((i) => (i === normalized ? input : i));
  model.metadataProps = [];
  model.docString = 'semadapt segmenter fcn8s: image NCHW (BGR − Caffe mean) → logits NCHW at the input size; guidance = logits at the network resolution';
  return encodeOnnx(model);
}

describe('evaluate --onnx on our exports', () => {
  let net: FCN8s;
  let ours = '';
  let legacy = '';
  beforeAll(async () => {
    await setTestBackend('cpu');
    net = new FCN8s({ width: 0.0625, rng: new Rng(41) }).eval();
    for (const layer of [net.score_fr, net.score_pool4, net.score_pool3]) {
      const w = tf.randomNormal(layer.weight.shape, 0, 0.5, 'float32', 42);
      layer.weight.assign(w);
      w.dispose();
    }
    const bytes = exportSegmenterOnnx(net);
    ours = path.join(dir, 'ours.onnx');
    legacy = path.join(dir, 'legacy.onnx');
    fs.writeFileSync(ours, bytes);
    fs.writeFileSync(legacy, legacyExport(bytes));
  });
  afterAll(() => net.dispose());

  it('header: producer, doc string and metadata as protobufjs decodes them; contracts ours / ours-legacy / foreign', () => {
    for (const file of [ours, legacy]) {
      const full = decodeOnnx(fs.readFileSync(file));
      const h = readOnnxHeader(file);
      expect(h).toEqual({ producerName: full.producerName, docString: full.docString, metadata: Object.fromEntries(full.metadataProps.map((p) => [p.key, p.value])) });
    }
    expect(segmenterOnnxContract(readOnnxHeader(ours))).toEqual({ kind: 'ours', normalization: 'caffe' });
    expect(segmenterOnnxContract(readOnnxHeader(legacy))).toEqual({ kind: 'ours-legacy' });
    expect(segmenterOnnxContract({ producerName: 'pytorch', docString: '', metadata: {} })).toEqual({ kind: 'foreign' });
    const junk = path.join(dir, 'junk.onnx');
    fs.writeFileSync(junk, Buffer.from([0x0a, 0xff, 0x01, 0x02]));
    expect(() => readOnnxHeader(junk)).toThrow(`${junk}: not an ONNX model`);
    expect(() => requireRgbSegmenterOnnx(ours)).not.toThrow();
    expect(() => requireRgbSegmenterOnnx(legacy)).toThrow(/legacy\.onnx: a segmenter exported before segmenters took RGB \[0, 255\].*semadapt export-onnx/);
  });

  it.each([
    ['current export (fed raw RGB)', () => ours, /RGB, 0–255 as float \(the model normalises inside: caffe\); scoring output 'guidance'/],
    ['older export (detected, fed BGR minus the Caffe mean)', () => legacy, /BGR, 0–255 minus the Caffe mean .*before segmenters normalised inside their graph/],
  ])('%s: logits = in-framework forward on the same pixels (onnxruntime vs tfjs ≤ 1e-4)', async (_name, file, describe) => {
    const ev = await openOnnxEvaluator(file(), 1, {}, null);
    try {
      expect(ev.describe).toMatch(describe);
      for (const [w, h, seed] of [[40, 24, 1], [33, 29, 2]]) {
        const img = image(w, h, seed);
        const onnx = await ev.logitsOf(img, `img${seed}`);
        const tfjs = networkLogits(net, img);
        expect(onnx.shape).toEqual([1, h, w, 19]);
        expect(relativeError(onnx, tfjs)).toBeLessThan(1e-4);
        tf.dispose([onnx, tfjs]);
      }
    } finally {
      await ev.release();
    }
  });

  it('an --onnx-normalize that contradicts our export\'s metadata is refused (it would normalise twice)', async () => {
    await expect(openOnnxEvaluator(ours, 1, { normalize: 'caffe-bgr' }, null)).rejects.toThrow(/ours\.onnx: this semadapt export takes RGB 0–255 and normalises inside its graph \(caffe\).*--onnx-normalize caffe-bgr would normalise twice/);
    const raw = await openOnnxEvaluator(ours, 1, { normalize: 'raw' }, null);
    await raw.release();
  });
});
