/**
 * The documented path from a PyTorch `.pth` to `evaluate --checkpoint`
 * (issue 19 §7), through the CLI: a BDL-layout DeepLabV2 `.pth` made by
 * PyTorch (tools/segmenter_torch_fixture.py) → tools/convert_pth_to_safetensors.py
 * → `semadapt import-weights` → `evaluate --checkpoint` and `export-onnx
 * --checkpoint`; the exported network's logits in onnxruntime equal
 * PyTorch's on PyTorch's input (BDL's network takes BGR minus the Caffe
 * mean; our export takes the RGB [0, 255] image that normalises to it). A
 * network config that does not fit the weights is refused.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { readSafetensors } from '@semadapt/core-layers';
import { CAFFE_BGR_MEAN } from '@semadapt/segmenter';
import { generateDemoBenchmark } from '@semadapt/data-core';
import { REPO_ROOT, runCli } from './testing/run-cli';

jest.setTimeout(300_000);

const PYTHON = '/usr/bin/python3';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-import-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

describe('import-weights: converted .pth → checkpoint folder', () => {
  it('evaluate --checkpoint and export-onnx --checkpoint work on it; ONNX logits match PyTorch', async () => {
    if (!hasTorch) {
      console.warn('!!! python3-torch missing (tools/setup-system.sh --bench installs it): the .pth → checkpoint path is NOT exercised');
      return;
    }
    const fixture = spawnSync(PYTHON, [path.join(REPO_ROOT, 'tools', 'segmenter_torch_fixture.py'), '--arch', 'deeplabv2', '--blocks', '1,1,1,1', '--width', '0.0625', '--size', '41,49', '--convert', path.join(dir, 'dl.safetensors'), dir], { encoding: 'utf8' });
    expect(fixture.status).toBe(0);
    const data = generateDemoBenchmark({ root: path.join(dir, 'data'), width: 64, height: 32, counts: { source: 2, targetTrain: 2, targetVal: 2 }, imagesPerCity: 2 });
    const config = (width: number): string => {
      const file = path.join(dir, `run-${width}.json`);
      fs.writeFileSync(file, JSON.stringify({
        backend: 'cpu',
        model: { segmenter: { arch: 'deeplabv2', network: { width, depth: { kind: 'custom', blocks: [1, 1, 1, 1] } } } },
        data: { source: { dataset: 'gta5', root: path.join(data.root, 'gta5') }, target: { dataset: 'cityscapes', root: path.join(data.root, 'cityscapes') }, resize: [64, 32], translatorCrop: null, workers: 0 },
        logging: { progress: 'none' },
      }));
      return file;
    };
    const ckpt = path.join(dir, 'ckpt');
    const wrong = runCli(['import-weights', path.join(dir, 'dl.safetensors'), '--out', path.join(dir, 'wrong'), '--config', config(0.125), '--run-dir', path.join(dir, 'run-wrong')]);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/mis-?shaped/i);
    expect(fs.existsSync(path.join(dir, 'wrong'))).toBe(false);

    const run = path.join(dir, 'run');
    const imp = runCli(['import-weights', path.join(dir, 'dl.safetensors'), '--out', ckpt, '--config', config(0.0625), '--run-dir', run]);
    expect(imp.stderr).toBe('');
    expect(imp.status).toBe(0);
    const ev = runCli(['evaluate', '--run-dir', run, '--checkpoint', ckpt]);
    expect(ev.status).toBe(0);
    expect(ev.stdout).toMatch(/mIoU19/);
    const onnxDir = path.join(dir, 'onnx');
    const ex = runCli(['export-onnx', '--run-dir', run, '--checkpoint', ckpt, '--out', onnxDir]);
    expect(ex.status).toBe(0);

    // PyTorch's input and logits (NCHW) against the exported graph's network-resolution output.
    const io = await readSafetensors(path.join(dir, 'deeplabv2-io.safetensors'));
    const input = io.tensors.get('input');
    const want = io.tensors.get('output');
    if (!input || !want) throw new Error('fixture io file lacks input/output');
    // NCHW BGR minus the mean → NCHW RGB [0, 255]: RGB channel c is BGR channel 2 − c plus its mean.
    const plane = input.shape[2] * input.shape[3];
    const bgr = input.data as Float32Array;
    const rgb = new Float32Array(bgr.length);
    for (let c = 0; c < 3; c++) for (let i = 0; i < plane; i++) rgb[c * plane + i] = bgr[(2 - c) * plane + i] + CAFFE_BGR_MEAN[2 - c];
    const session = await ort.InferenceSession.create(path.join(onnxDir, 'segmenter.onnx'));
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', rgb, input.shape) });
    const name = session.outputNames.includes('guidance') ? 'guidance' : session.outputNames[0];
    const got = out[name];
    expect(got.dims).toEqual(want.shape);
    const a = got.data as Float32Array;
    const b = want.data as Float32Array;
    let num = 0;
    let den = 0;
    for (let i = 0; i < a.length; i++) {
      num += (a[i] - b[i]) ** 2;
      den += b[i] ** 2;
    }
    expect(Math.sqrt(num / den)).toBeLessThan(1e-4);
    await session.release();
  });
});
