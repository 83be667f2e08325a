/**
 * Parity with the original PyTorch definitions (BDL's DeepLab, wkentaro/BDL
 * FCN8s-at-once): tools/segmenter_torch_fixture.py builds them at small
 * depth/width with random weights and saves the .pth, an input and PyTorch's
 * output; tools/convert_pth_to_safetensors.py converts the .pth; we load it
 * and compare our forward with PyTorch's. Needs /usr/bin/python3 with torch
 * (tools/setup-system.sh --bench); without it the parity part is skipped
 * loudly and the name maps are still checked.
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Rng, readSafetensors } from '@semadapt/core-layers';
import { expectNoTensorLeak, relativeError, setTestBackend } from '@semadapt/core-layers/testing';
import { DeepLabV2, type DeepLabV2Options } from '../networks/deeplab-v2';
import { FCN8s } from '../networks/fcn8s';
import { CAFFE_BGR_MEAN } from '../networks/segmenter-input';
import { deeplabOnnxNameMap, fcn8sOnnxNameMap, importSegmenterOnnx, loadSegmenterSafetensors } from './segmenter-weights';

const PYTHON = '/usr/bin/python3';
const ZERO = { kind: 'constant', value: 0 } as const;
const TOOLS = path.resolve(__dirname, '../../../../../tools');
const torchAvailable = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, onnx'], { encoding: 'utf8' }).status === 0;

function run(args: string[]): string {
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', cwd: TOOLS });
  if (r.status !== 0) throw new Error(`python ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/**
 * The fixture's NCHW tensors as NHWC tf tensors. PyTorch's BDL networks take
 * their input already normalised (BGR minus the Caffe mean); ours take RGB in
 * [0, 255] and normalise inside, so `input` is given to ours as the RGB image
 * that normalises to it: channels reversed after adding the mean.
 */
async function ioTensors(file: string): Promise<{ input: tf.Tensor4D; output: tf.Tensor4D }> {
  const f = await readSafetensors(file);
  const nhwc = (name: string) => {
    const t = f.tensors.get(name)!;
    return tf.tidy(() => tf.transpose(tf.tensor4d(t.data as Float32Array, t.shape as [number, number, number, number]), [0, 2, 3, 1]));
  };
  const normalized = nhwc('input');
  const input = tf.tidy(() => tf.reverse(tf.add(normalized, tf.tensor1d([...CAFFE_BGR_MEAN])), -1) as tf.Tensor4D);
  normalized.dispose();
  return { input, output: nhwc('output') };
}

describe('segmenter weights', () => {
  let dir = '';
  beforeAll(async () => {
    // wasm: the pure-JS cpu kernels take ~20 s for this forward under jest; cpu-vs-wasm layer parity is core-layers' job.
    await setTestBackend('wasm');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segmenter-weights-'));
    if (!torchAvailable) {
      console.warn('SKIPPED (loudly): PyTorch parity of DeepLabV2/FCN8s and the .pth converter — /usr/bin/python3 with torch+onnx not found (run tools/setup-system.sh --bench)');
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('name maps: BDL DeepLab keys (Scale., layer5.conv2d_list) and torchvision VGG16 keys', () => {
    expect(deeplabOnnxNameMap('Scale.layer3.12.conv2.weight')).toBe('layer3.12.conv2.weight');
    expect(deeplabOnnxNameMap('module.layer1.0.downsample.1.running_var')).toBe('layer1.0.downsample.1.running_var');
    expect(deeplabOnnxNameMap('Scale.layer5.conv2d_list.3.bias')).toBe('aspp.3.bias');
    expect(deeplabOnnxNameMap('bn1.num_batches_tracked')).toBeUndefined();
    expect(deeplabOnnxNameMap('fc.weight')).toBeUndefined();
    expect(fcn8sOnnxNameMap('features.0.weight')).toBe('conv1_1.weight');
    expect(fcn8sOnnxNameMap('features.28.bias')).toBe('conv5_3.bias');
    expect(fcn8sOnnxNameMap('features.4.weight')).toBeUndefined();
    expect(fcn8sOnnxNameMap('classifier.3.weight')).toBe('fc7.weight');
    expect(fcn8sOnnxNameMap('upscore8.weight')).toEqual({ to: 'upscore8.weight', layout: 'convTranspose' });
  });

  it('DeepLabV2 blocks=[1,1,1,1] w=1/16 x=[1,41,49,3]: .pth → converter → our net matches PyTorch (rel ≤ 1e-4); ONNX import too', async () => {
    if (!torchAvailable) return;
    const converted = path.join(dir, 'dl.safetensors');
    const log = run(['segmenter_torch_fixture.py', '--arch', 'deeplabv2', '--blocks', '1,1,1,1', '--width', '0.0625', '--size', '41,49', '--onnx', '--onnx-default', '--convert', converted, dir]);
    expect(log).toMatch(/loaded\s+93/);
    expect(log).toMatch(/missing\s+0/);
    const { input, output } = await ioTensors(path.join(dir, 'deeplabv2-io.safetensors'));
    // Constant init: every tensor is overwritten by the load (and Box–Muller draws are slow under jest).
    const options: DeepLabV2Options = { depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, width: 0.0625, rng: new Rng(9), backboneInit: ZERO, classifierInit: ZERO };
    const net = new DeepLabV2(options).eval();
    const loaded = await loadSegmenterSafetensors(converted, net, { strict: true });
    expect(loaded.report.loaded.length).toBe(net.stateDict().size);
    await expectNoTensorLeak(() => {
      const y = net.forward(input);
      expect(y.shape).toEqual(output.shape);
      expect(relativeError(y, output)).toBeLessThan(1e-4);
      y.dispose();
    });
    // The same weights through torch.onnx.export initializers and the ONNX name map.
    const viaOnnx = new DeepLabV2({ ...options, rng: new Rng(10) }).eval();
    const report = await importSegmenterOnnx(path.join(dir, 'deeplabv2.onnx'), viaOnnx);
    expect(report.missing).toEqual([]);
    expect(report.misShaped).toEqual([]);
    expect(report.loaded.length).toBe(93);
    const y2 = viaOnnx.forward(input);
    expect(relativeError(y2, output)).toBeLessThan(1e-4);
    // torch.onnx.export's defaults fold BatchNorm into the convolutions and rename the initializers: refused, with the reason.
    const folded = new DeepLabV2({ ...options, rng: new Rng(11) }).eval();
    await expect(importSegmenterOnnx(path.join(dir, 'deeplabv2-default.onnx'), folded)).rejects.toThrow(
      /cannot map this ONNX file onto deeplabv2: loaded \d+ of 93 tensors, none of its \d+ BatchNorm layers .*BatchNorm folded into the convolutions.*convert_pth_to_safetensors/,
    );
    folded.dispose();
    tf.dispose([y2, input, output]);
    net.dispose();
    viaOnnx.dispose();
  });

  it("AdaptSegNet DeepLab (its deeplab.py sums ASPP branches 0 + 1): converter --aspp-branches 2 → our asppBranches 2 matches PyTorch; the default 4 is refused", async () => {
    if (!torchAvailable) return;
    const sub = path.join(dir, 'adaptsegnet');
    const converted = path.join(sub, 'asn.safetensors');
    run(['segmenter_torch_fixture.py', '--arch', 'deeplabv2', '--aspp-branches', '2', '--blocks', '1,1,1,1', '--width', '0.0625', '--size', '41,49', '--seed', '3', '--convert', converted, sub]);
    const { input, output } = await ioTensors(path.join(sub, 'deeplabv2-io.safetensors'));
    const options: DeepLabV2Options = { depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, width: 0.0625, rng: new Rng(9), backboneInit: ZERO, classifierInit: ZERO };
    const bdl = new DeepLabV2(options).eval();
    await expect(loadSegmenterSafetensors(converted, bdl)).rejects.toThrow(/sums 2 ASPP branches \(AdaptSegNet's deeplab\.py\), but this network sums 4; set model\.segmenter\.network\.asppBranches: 2/);
    const asn = new DeepLabV2({ ...options, asppBranches: 2 }).eval();
    await loadSegmenterSafetensors(converted, asn, { strict: true });
    const y = asn.forward(input);
    expect(relativeError(y, output)).toBeLessThan(1e-4);
    // The same seed with BDL's four-branch sum (same weights): other logits, so the switch matters.
    const sub4 = path.join(dir, 'bdl-same-seed');
    run(['segmenter_torch_fixture.py', '--arch', 'deeplabv2', '--blocks', '1,1,1,1', '--width', '0.0625', '--size', '41,49', '--seed', '3', sub4]);
    const four = await ioTensors(path.join(sub4, 'deeplabv2-io.safetensors'));
    expect(relativeError(four.output, output)).toBeGreaterThan(0.1);
    tf.dispose([y, input, output, four.input, four.output]);
    bdl.dispose();
    asn.dispose();
  });

  it('FCN8s w=1/16 x=[1,37,45,3]: .pth → converter → our net matches PyTorch FCN8sAtOnce (rel ≤ 1e-4)', async () => {
    if (!torchAvailable) return;
    const converted = path.join(dir, 'fcn.safetensors');
    const log = run(['segmenter_torch_fixture.py', '--arch', 'fcn8s', '--width', '0.0625', '--size', '37,45', '--convert', converted, dir]);
    expect(log).toMatch(/loaded\s+39/);
    const { input, output } = await ioTensors(path.join(dir, 'fcn8s-io.safetensors'));
    const net = new FCN8s({ width: 0.0625, rng: new Rng(11), backboneInit: ZERO }).eval();
    const loaded = await loadSegmenterSafetensors(converted, net, { strict: true });
    expect(loaded.report.loaded.length).toBe(39);
    const y = net.forward(input);
    expect(y.shape).toEqual([1, 37, 45, 19]);
    expect(relativeError(y, output)).toBeLessThan(1e-4);
    tf.dispose([y, input, output]);
    net.dispose();
  });

  it('a partial file (19-class converted weights into a 21-class net) reports mis-shaped names and loads the rest; strict throws', async () => {
    if (!torchAvailable) return;
    const converted = path.join(dir, 'dl.safetensors'); // written by the DeepLab parity case above
    const net = new DeepLabV2({ depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, width: 0.0625, numClasses: 21, rng: new Rng(12), backboneInit: ZERO, classifierInit: ZERO });
    await expect(loadSegmenterSafetensors(converted, net, { strict: true })).rejects.toThrow(/mis-shaped \(8\).*aspp\.0\.weight expected \[3,3,128,21\] found \[3,3,128,19\]/s);
    const { report, text } = await loadSegmenterSafetensors(converted, net);
    expect(report.loaded.length).toBe(85);
    expect(report.misShaped.map((m) => m.name).sort()).toEqual([0, 1, 2, 3].flatMap((k) => [`aspp.${k}.bias`, `aspp.${k}.weight`]).sort());
    expect(text).toMatch(/loaded 85, missing 0, unexpected 0, mis-shaped 8/);
    net.dispose();
  });
});
