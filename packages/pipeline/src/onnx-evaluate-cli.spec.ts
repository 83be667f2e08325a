/**
 * `evaluate --onnx` with models from elsewhere (issue 19 §7), through the
 * CLI: ONNX files written by python3-onnx (testing/onnx_eval_fixtures.py),
 * so nothing here comes from our exporter. Two outputs without a 'logits'
 * one, 5 classes, NaN logits: refused (exit 1) saying what is expected. A
 * fixed-size NHWC model that predicts 'road' everywhere: fed in its layout
 * and size without options, and scored against ground-truth counts taken
 * from the label PNGs by Python (PIL) with cityscapesScripts' labelId →
 * trainId table. The input normalisations against hand computation.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateDemoBenchmark } from '@semadapt/data-core';
import { imageToInput } from './lib/engine/onnx-evaluator';
import { runCli } from './testing/run-cli';

jest.setTimeout(300_000);

const PYTHON = '/usr/bin/python3';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-onnx-eval-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const hasOnnx = spawnSync(PYTHON, ['-c', 'import onnx, PIL, numpy'], { encoding: 'utf8' }).status === 0;

/** Ground-truth pixels per trainId of the val labels, counted by Python from the PNGs. */
function gtCounts(cityscapesRoot: string): number[] {
  const script = `
import glob, json, sys
import numpy as np
from PIL import Image
# cityscapesScripts labels.py: labelId -> trainId for the 19 train classes
table = {7:0, 8:1, 11:2, 12:3, 13:4, 17:5, 19:6, 20:7, 21:8, 22:9, 23:10, 24:11, 25:12, 26:13, 27:14, 28:15, 31:16, 32:17, 33:18}
counts = [0] * 19
for f in sorted(glob.glob(sys.argv[1] + '/gtFine/val/*/*_gtFine_labelIds.png')):
    a = np.asarray(Image.open(f))
    for lid, tid in table.items():
        counts[tid] += int((a == lid).sum())
print(json.dumps(counts))
`;
  const r = spawnSync(PYTHON, ['-c', script, cityscapesRoot], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as number[];
}

describe('evaluate --onnx checks the model and feeds it as it expects', () => {
  it('normalisations: caffe-bgr, imagenet, unit, symmetric, raw in NCHW and NHWC (hand computation)', () => {
    const img = { width: 2, height: 1, channels: 3 as const, data: Uint8Array.from([10, 20, 30, 255, 0, 128]) };
    const caffe = imageToInput(img, 'nchw', 'caffe-bgr');
    expect(caffe.dims).toEqual([1, 3, 1, 2]);
    // Channel 0 = B − 104.00698793 for both pixels, then G, then R.
    const want = [30 - 104.00698793, 128 - 104.00698793, 20 - 116.66876762, 0 - 116.66876762, 10 - 122.67891434, 255 - 122.67891434];
    want.forEach((v, i) => expect(caffe.data[i]).toBeCloseTo(v, 4));
    const imagenet = imageToInput(img, 'nhwc', 'imagenet');
    expect(imagenet.dims).toEqual([1, 1, 2, 3]);
    expect(imagenet.data[0]).toBeCloseTo((10 / 255 - 0.485) / 0.229, 5);
    expect(imagenet.data[5]).toBeCloseTo((128 / 255 - 0.406) / 0.225, 5);
    expect(imageToInput(img, 'nhwc', 'unit').data[3]).toBeCloseTo(1, 6);
    expect(imageToInput(img, 'nhwc', 'symmetric').data[4]).toBeCloseTo(-1, 6);
    expect(imageToInput(img, 'nchw', 'raw').data[1]).toBe(255);
  });

  it('refuses two unnamed outputs, 5 classes and NaN; scores a fixed-size NHWC model without options', () => {
    if (!hasOnnx) {
      console.warn('!!! python3-onnx / PIL / numpy missing (tools/setup-system.sh installs them): evaluate --onnx model checks NOT exercised');
      return;
    }
    const models = path.join(dir, 'models');
    const gen = spawnSync(PYTHON, [path.join(__dirname, 'testing', 'onnx_eval_fixtures.py'), models], { encoding: 'utf8' });
    expect(gen.stderr).toBe('');
    const data = generateDemoBenchmark({ root: path.join(dir, 'data'), width: 64, height: 32, counts: { source: 2, targetTrain: 2, targetVal: 3 }, imagesPerCity: 2 });
    const cfg = path.join(dir, 'run.json');
    fs.writeFileSync(cfg, JSON.stringify({
      backend: 'cpu',
      onnxThreads: 1,
      data: { source: { dataset: 'gta5', root: path.join(data.root, 'gta5') }, target: { dataset: 'cityscapes', root: path.join(data.root, 'cityscapes') }, resize: [64, 32], translatorCrop: null, workers: 0 },
      logging: { progress: 'none' },
    }));
    const evaluate = (model: string, ...extra: string[]) =>
      runCli(['evaluate', '--config', cfg, '--run-dir', path.join(dir, 'run'), '--onnx', path.join(models, model), ...extra]);

    const two = evaluate('two-outputs.onnx');
    expect(two.status).toBe(1);
    expect(two.stderr).toContain("has 2 outputs (a, b) and none is named 'logits'; give --onnx-output NAME");
    expect(evaluate('two-outputs.onnx', '--onnx-output', 'b').status).toBe(0);

    const five = evaluate('five-classes.onnx');
    expect(five.status).toBe(1);
    expect(five.stderr).toMatch(/output 'y' has shape \[1, 5, 32, 64\].*expected a segmenter.*19 Cityscapes train classes/);

    const nan = evaluate('nan.onnx');
    expect(nan.status).toBe(1);
    expect(nan.stderr).toMatch(/output 'y' holds NaN for .*non-finite logits is not scored/);

    const nhwc = evaluate('nhwc-fixed.onnx');
    expect(nhwc.stderr).toBe('');
    expect(nhwc.status).toBe(0);
    expect(nhwc.stdout).toContain("input 'input_1' NHWC 64×32 (fixed by the model)");
    const file = /result: (\S+)/.exec(nhwc.stdout)?.[1] as string;
    const r = JSON.parse(fs.readFileSync(file, 'utf8'));
    const gt = gtCounts(path.join(data.root, 'cityscapes'));
    // Everything predicted 'road': column 0 holds each class's pixels.
    expect(r.confusion.counts.map((row: number[]) => row[0])).toEqual(gt);
    expect(r.confusion.counts.flat().reduce((a: number, b: number) => a + b, 0)).toBe(gt.reduce((a, b) => a + b, 0));
    const total = gt.reduce((a, b) => a + b, 0);
    const present = gt.filter((n) => n > 0).length; // road is present in every demo label
    expect(r.miou19).toBeCloseTo(gt[0] / total / present, 10);
  });
});
