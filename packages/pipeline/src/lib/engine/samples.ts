/**
 * Image-grid samples for the report (issue 9 §5): PNG files under
 * `<run>/samples/<group>/<sample>__<column>.png` written by the stages, read
 * back by `writeReport`. Label maps use the Cityscapes palette.
 */
import * as fs from 'fs';
import * as path from 'path';
import { encodePng, ImageU8, LabelMap, resize } from '@semadapt/data-core';
import { colorizeTrainIds } from '@semadapt/labels';
import { GridColumn, samplePath } from '../report/build-report';
import { writeFileAtomic, RunDir } from '@semadapt/runner';
import { LogitsOf, pngName, predictionOf, resizeRgb } from './inference';
import type { FileDataset } from '@semadapt/data-core';

function writeRgb(file: string, img: ImageU8): void {
  writeFileAtomic(file, encodePng({ width: img.width, height: img.height, channels: 3, data: img.data }));
}

function writeLabel(file: string, ids: ArrayLike<number>, width: number, height: number): void {
  writeFileAtomic(file, encodePng({ width, height, channels: 3, data: colorizeTrainIds(ids) }));
}

function resizeLabel(label: LabelMap, w: number, h: number): LabelMap {
  if (label.width === w && label.height === h) return label;
  return resize(label, { kind: 'size', width: w, height: h }, 'nearest');
}

function sampleName(name: string): string {
  return path.basename(name).replace(/\.(png|jpe?g)$/i, '').replace(/__/g, '_');
}

/**
 * Source → target samples of a round: source, translated (from the
 * translate stage's output), guidance (argmax of S_{k−1}), source ground truth.
 */
export async function writeTranslationSamples(
  run: RunDir, group: string, ds: FileDataset, count: number, size: readonly [number, number],
  translatedDir: string, guidance: LogitsOf,
): Promise<void> {
  for (let i = 0; i < Math.min(count, ds.length); i++) {
    const s = await ds.get(i);
    const img = resizeRgb(s.image, size);
    const name = sampleName(s.name);
    const cell = (c: GridColumn): string => samplePath(run, group, name, c);
    writeRgb(cell('source'), img);
    const tFile = path.join(translatedDir, pngName(s.name));
    if (fs.existsSync(tFile)) fs.copyFileSync(tFile, cell('translated'));
    const g = await predictionOf(s.name, await guidance(img), img.height, img.width);
    writeLabel(cell('guidance'), g.labels, g.width, g.height);
    if (s.label) {
      const l = resizeLabel(s.label, img.width, img.height);
      writeLabel(cell('ground truth'), l.data, l.width, l.height);
    }
  }
}

/** Target val samples of an evaluation: image, prediction, ground truth. */
export async function writeEvaluationSamples(
  run: RunDir, group: string, ds: FileDataset, count: number, size: readonly [number, number],
  logitsOf: LogitsOf,
): Promise<void> {
  for (let i = 0; i < Math.min(count, ds.length); i++) {
    const s = await ds.get(i);
    const img = resizeRgb(s.image, size);
    const name = sampleName(s.name);
    writeRgb(samplePath(run, group, name, 'source'), img);
    const p = await predictionOf(s.name, await logitsOf(img), img.height, img.width);
    writeLabel(samplePath(run, group, name, 'prediction'), p.labels, p.width, p.height);
    if (s.label) {
      const l = resizeLabel(s.label, img.width, img.height);
      writeLabel(samplePath(run, group, name, 'ground truth'), l.data, l.width, l.height);
    }
  }
}
