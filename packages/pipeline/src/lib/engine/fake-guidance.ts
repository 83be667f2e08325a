/**
 * Appendix C of the paper (Figure 5): how much the translation follows its
 * guidance. Each source image x_i is translated twice by round k's
 * translator, with SPADE fed S_{k−1}(x_i) (its own segmentation, as in
 * training) and S_{k−1}(x_j) — the segmentation of a different image
 * (j = i + 1, cyclically). Both in the training framework, with the guidance
 * representation of training (`segmenterGuidance`). Writes the Figure 5 grid
 * (source | other image's guidance | translation with own guidance |
 * translation with the other's) as report samples, and per pair the mean
 * absolute difference of the two translations.
 */
import * as tf from '@tensorflow/tfjs-core';
import { encodePng, ImageU8 } from '@semadapt/data-core';
import type { Segmenter } from '@semadapt/segmenter';
import type { Translator } from '@semadapt/translator';
import { samplePath } from '../report/build-report';
import { colorizeTrainIds } from '@semadapt/labels';
import { writeFileAtomic, RunDir } from '@semadapt/runner';
import { segmenterGuidance } from './guidance';
import { predictionOf } from './inference';
import { logitsAtInputSize } from './segmenter-stage';
import { nchwToTensor, translateImageInFramework } from './translate-image';
import { rgbToSymmetricNchw, symmetricNchwToRgb } from './tensors';

/** One source image with its name. */
export interface NamedImage {
  name: string;
  image: ImageU8;
}

/** One pair of the experiment. */
export interface FakeGuidancePair {
  source: string;
  guidanceFrom: string;
  /** Mean |own-guided − other-guided| over pixels and channels, in [0, 255] units. */
  meanAbsDifference: number;
}

function writeRgb(file: string, img: ImageU8): void {
  writeFileAtomic(file, encodePng({ width: img.width, height: img.height, channels: 3, data: img.data }));
}

function meanAbs(a: ImageU8, b: ImageU8): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += Math.abs(a.data[i] - b.data[i]);
  return s / a.data.length;
}

/**
 * Runs the experiment on `images` (≥ 2, all of one size) and writes the grid
 * under `<run>/samples/<group>/`. Returns the per-pair differences.
 */
export async function fakeGuidanceGrid(run: RunDir, group: string, translator: Translator, segmenter: Segmenter, images: NamedImage[]): Promise<FakeGuidancePair[]> {
  if (images.length < 2) throw new Error(`fake-guidance: needs at least 2 source images (a different image's guidance for each), received ${images.length}`);
  const out: FakeGuidancePair[] = [];
  for (let i = 0; i < images.length; i++) {
    const own = images[i];
    const other = images[(i + 1) % images.length];
    if (other.image.width !== own.image.width || other.image.height !== own.image.height) {
      throw new Error(`fake-guidance: ${own.name} is ${own.image.width}×${own.image.height} but ${other.name} is ${other.image.width}×${other.image.height}; resize both to one size`);
    }
    const otherGuidance = tf.tidy(() => segmenterGuidance(segmenter, nchwToTensor(rgbToSymmetricNchw(other.image))));
    let withOwn: ImageU8;
    let withOther: ImageU8;
    try {
      withOwn = symmetricNchwToRgb(await translateImageInFramework(translator, segmenter, own.image));
      withOther = symmetricNchwToRgb(await translateImageInFramework(translator, segmenter, own.image, otherGuidance));
    } finally {
      otherGuidance.dispose();
    }
    const label = await predictionOf(other.name, logitsAtInputSize(segmenter, other.image), other.image.height, other.image.width);
    const name = own.name.replace(/\.(png|jpe?g)$/i, '').replace(/[/\\]/g, '_').replace(/__/g, '_');
    writeRgb(samplePath(run, group, name, 'source'), own.image);
    writeFileAtomic(samplePath(run, group, name, 'other image guidance'), encodePng({ width: label.width, height: label.height, channels: 3, data: colorizeTrainIds(label.labels) }));
    writeRgb(samplePath(run, group, name, 'own-guided translation'), withOwn);
    writeRgb(samplePath(run, group, name, 'other-guided translation'), withOther);
    out.push({ source: own.name, guidanceFrom: other.name, meanAbsDifference: meanAbs(withOwn, withOther) });
  }
  return out;
}
