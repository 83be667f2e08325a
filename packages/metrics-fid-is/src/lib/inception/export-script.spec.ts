/**
 * tools/export_fid_inception_onnx.py (the FID Inception → ONNX export users
 * run on pytorch-fid's weights) exercised on its graph-building path with
 * random weights (the real file cannot be downloaded here): the ONNX model
 * passes InceptionModel's contract check (pool3 2048, logits 1008, found by
 * shape) and onnxruntime-node reproduces PyTorch's pool3 and logits. Needs
 * /usr/bin/python3 with torch; otherwise skipped loudly.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { InceptionModel } from './inception-model';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.resolve(__dirname, '../../../../../tools/export_fid_inception_onnx.py');
const torchAvailable = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, onnx'], { encoding: 'utf8' }).status === 0;

/** float32 tensors of a safetensors file (8-byte header length, JSON header, data). */
function readF32(file: string): Map<string, { shape: number[]; data: Float32Array }> {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const bytes = buf.subarray(8 + n + t.data_offsets[0], 8 + n + t.data_offsets[1]);
    out.set(name, { shape: t.shape, data: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)) });
  }
  return out;
}

describe('tools/export_fid_inception_onnx.py', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fid-inception-export-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('random-weights export: contract accepted, onnxruntime matches PyTorch (pool3 and logits, batch 2)', async () => {
    if (!torchAvailable) {
      console.warn('SKIPPED (loudly): /usr/bin/python3 with torch + onnx not found');
      return;
    }
    const onnxFile = path.join(dir, 'fid-inception.onnx');
    const io = path.join(dir, 'io.safetensors');
    const r = spawnSync(PYTHON, [SCRIPT, '--random-weights', '3', onnxFile, '--check-io', io], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`export failed:\n${r.stdout}\n${r.stderr}`);
    const model = await InceptionModel.load(onnxFile);
    expect([model.featureDim, model.classes, model.featuresOutput, model.logitsOutput]).toEqual([2048, 1008, 'pool3', 'logits']);
    await model.release();
    const t = readF32(io);
    const images = t.get('images')!;
    const session = await ort.InferenceSession.create(onnxFile);
    const out = await session.run({ images: new ort.Tensor('float32', images.data, images.shape) });
    for (const name of ['pool3', 'logits']) {
      const expected = t.get(name)!;
      const actual = out[name].data as Float32Array;
      expect(Array.from(out[name].dims)).toEqual(expected.shape);
      let maxAbs = 0;
      let scale = 0;
      for (let i = 0; i < actual.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(actual[i] - expected.data[i]));
        scale = Math.max(scale, Math.abs(expected.data[i]));
      }
      expect(scale).toBeGreaterThan(0);
      expect(maxAbs / scale).toBeLessThan(1e-4);
    }
    await session.release();
  }, 120_000);

  it('refuses to run without weights or --random-weights', () => {
    if (!torchAvailable) return;
    const r = spawnSync(PYTHON, [SCRIPT, path.join(dir, 'x.onnx')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/give the weights file, or --random-weights SEED/);
  });
});
