/**
 * Exports the ONNX model of an inference case in a process of its own
 * (`node run.js export-model <model> <file>`, spawned by `exportInChild`), so
 * the timed process holds what an evaluator's holds — onnxruntime and the
 * model — and not the training framework's copy of the weights it was
 * exported from: peak RSS compares inference with inference. Weights as the
 * cases have always used (uniform ±0.01 DeepLabV2, the translator's own init).
 * The networks' packages are loaded in the child only (`main`), not in the
 * timed process that imports `exportInChild`.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Models an inference case can ask for. */
export type ExportedModel = 'deeplab' | 'translator-s2t';

async function modelBytes(model: ExportedModel): Promise<Uint8Array> {
  if (model === 'deeplab') {
    const { Rng } = await import('@semadapt/core-layers');
    const { DeepLabV2, exportSegmenterOnnx } = await import('@semadapt/segmenter');
    const init = { kind: 'uniform', low: -0.01, high: 0.01 } as const;
    const net = new DeepLabV2({ rng: new Rng(1), backboneInit: init, classifierInit: init }).eval();
    try {
      return exportSegmenterOnnx(net);
    } finally {
      net.dispose();
    }
  }
  const { Translator, translatorOnnxBytes } = await import('@semadapt/translator');
  const translator = new Translator({});
  try {
    return translatorOnnxBytes(translator, 's2t');
  } finally {
    translator.dispose();
  }
}

/** Child entry point: writes the model to `file` (temp file, then rename). */
export async function main(argv: string[]): Promise<number> {
  const [model, file] = argv;
  if ((model !== 'deeplab' && model !== 'translator-s2t') || !file) throw new Error(`usage: run.js export-model deeplab|translator-s2t <file>, got ${argv.join(' ')}`);
  const { initBackend } = await import('@semadapt/compute');
  await initBackend({ log: () => undefined });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, await modelBytes(model));
  fs.renameSync(tmp, file);
  return 0;
}

/** Exports `model` in a child process into a fresh temporary file; returns its path (the caller deletes it). */
export function exportInChild(model: ExportedModel): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-bench-')), `${model}.onnx`);
  const r = spawnSync(process.execPath, [path.join(__dirname, 'run.js'), 'export-model', model, file], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`exporting ${model} failed (${r.status ?? r.signal}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
  return file;
}

/** Removes a file made by `exportInChild` and its folder. */
export function removeExport(file: string): void {
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
}
