/**
 * One `result.json` per evaluation, never overwritten:
 * `<run>/outputs/evaluate/<time>-<model>/result.json`, with what was
 * evaluated, per-class IoU under the classes' names, the three means and the
 * 19×19 confusion matrix (rows ground truth, columns prediction), so any
 * other metric can be recomputed from it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CLASS_NAMES } from '@semadapt/labels';
import { RunDir, writeJsonAtomic } from '@semadapt/runner';
import type { EvalResult } from './build-report';

/** What `result.json` holds. */
export interface EvaluationRecord {
  model: string;
  split: string;
  evaluatedAt: string;
  images: number;
  pixels: number;
  miou19: number;
  miou16: number;
  miou13: number;
  /** IoU per trainId, by name (NaN → null: class absent from prediction and ground truth). */
  classes: { trainId: number; name: string; iou: number | null }[];
  confusion: { rows: 'ground truth'; columns: 'prediction'; classes: readonly string[]; counts: number[][] } | null;
}

/** Builds the record of one evaluation. */
export function evaluationRecord(result: EvalResult, info: { model: string; split: string }): EvaluationRecord {
  return {
    model: info.model,
    split: info.split,
    evaluatedAt: new Date().toISOString(),
    images: result.images,
    pixels: result.pixels,
    miou19: result.miou19,
    miou16: result.miou16,
    miou13: result.miou13,
    classes: result.perClass.map((iou, trainId) => ({ trainId, name: CLASS_NAMES[trainId], iou: Number.isFinite(iou) ? iou : null })),
    confusion: result.confusion ? { rows: 'ground truth', columns: 'prediction', classes: CLASS_NAMES.slice(0, result.confusion.length), counts: result.confusion } : null,
  };
}

/** Writes the record into a new folder under `<run>/outputs/<group>/`; returns the file. */
export function writeEvaluationRecord(run: RunDir, record: EvaluationRecord, group = 'evaluate'): string {
  // The model's path inside the run (checkpoints/round0/train-source/best → round0-train-source-best), else its file name.
  const abs = path.resolve(record.model);
  const rel = abs.startsWith(run.root + path.sep) ? path.relative(run.path('checkpoints'), abs) : path.basename(abs);
  const model = rel.replace(/^(\.\.[/\\])+/, '').replace(/[^A-Za-z0-9._]+/g, '-').replace(/^-+|-+$/g, '') || 'model';
  const base = `${record.evaluatedAt.replace(/[:.]/g, '-')}-${model}`;
  let dir = run.outputDir(group, base);
  for (let i = 2; fs.existsSync(dir); i++) dir = run.outputDir(group, `${base}-${i}`);
  const file = path.join(dir, 'result.json');
  writeJsonAtomic(file, record);
  return file;
}
