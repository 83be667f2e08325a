/**
 * `evaluate --onnx` for models from elsewhere (BDL, AdaptSegNet, a
 * torchvision or TensorFlow export): what is fed to the model is stated and
 * can be changed (layout, size, normalisation), and what comes back is
 * checked before a number is printed — which output holds the class logits,
 * that it has 19 class channels, and that every value is finite. A model
 * that fails a check is refused with what was expected, never scored.
 *
 * The normalisation default follows the model: our exports state in their
 * metadata that they take RGB [0, 255] and normalise inside ('raw'); our
 * exports from before that (no such entry) take BGR minus the Caffe mean
 * ('caffe-bgr'), and so do BDL's, AdaptSegNet's and DeepLab's, the default
 * for a model made elsewhere.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ImageU8 } from '@semadapt/data-core';
import { NUM_CLASSES } from '@semadapt/labels';
import { CAFFE_BGR_MEAN, IMAGENET_MEAN, IMAGENET_STD } from '@semadapt/segmenter';
import type { OnnxSession } from '@semadapt/onnx-runtime';
import { openOnnx } from './open-onnx';
import { nchwToNhwcTensor, NchwTensor } from './tensors';
import { resizeRgb } from './inference';
import { readOnnxHeader, segmenterOnnxContract, type SegmenterOnnxContract } from './onnx-header';

export const ONNX_LAYOUTS = ['nchw', 'nhwc'] as const;
export const ONNX_NORMALIZATIONS = ['caffe-bgr', 'imagenet', 'unit', 'symmetric', 'raw'] as const;
export type OnnxLayout = (typeof ONNX_LAYOUTS)[number];
export type OnnxNormalization = (typeof ONNX_NORMALIZATIONS)[number];

/** How images are given to the model (CLI: --onnx-layout, --onnx-size, --onnx-normalize, --onnx-output). */
export interface OnnxInputSpec {
  /** Input layout; default: read from the model's input shape (channel axis of size 3), else NCHW. */
  layout?: OnnxLayout;
  /** Input [width, height]; default: the model's own when its input shape is fixed, else the config's evaluation size. */
  size?: [number, number];
  /**
   * What is done to the RGB pixels before they are fed. Default: 'raw' for
   * our exports (RGB 0–255; the graph normalises, as its metadata states),
   * 'caffe-bgr' for anything else (our exports from before the metadata,
   * BDL, AdaptSegNet, DeepLab). Contradicting our export's metadata is refused.
   */
  normalize?: OnnxNormalization;
  /**
   * Name of the logits output; default: 'guidance' when the model also has
   * 'logits' (our export: the network-resolution logits, so they are
   * upsampled once, as in-framework evaluation and BDL do), else 'logits',
   * else the only output.
   */
  output?: string;
}

/** What each normalisation does to RGB bytes (per channel, in the model's channel order). */
const NORMALIZATIONS: Record<OnnxNormalization, { describe: string; bgr: boolean; scale: number; mean: number[]; std: number[] }> = {
  // SPEC §3: BGR minus the Caffe ImageNet mean, 0–255 range.
  'caffe-bgr': { describe: 'BGR, 0–255 minus the Caffe mean (104.01, 116.67, 122.68)', bgr: true, scale: 1, mean: [...CAFFE_BGR_MEAN], std: [1, 1, 1] },
  // torchvision: RGB/255, then (x − mean)/std.
  imagenet: { describe: 'RGB, /255 then (x − (0.485, 0.456, 0.406)) / (0.229, 0.224, 0.225)', bgr: false, scale: 1 / 255, mean: [...IMAGENET_MEAN], std: [...IMAGENET_STD] },
  unit: { describe: 'RGB, /255 (range 0–1)', bgr: false, scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] },
  symmetric: { describe: 'RGB, /127.5 − 1 (range −1–1)', bgr: false, scale: 1 / 127.5, mean: [1, 1, 1], std: [1, 1, 1] },
  raw: { describe: 'RGB, 0–255 as float', bgr: false, scale: 1, mean: [0, 0, 0], std: [1, 1, 1] },
};

/** RGB bytes → the model's input tensor under `layout` and `normalize`. */
export function imageToInput(img: ImageU8, layout: OnnxLayout, normalize: OnnxNormalization): NchwTensor {
  const n = NORMALIZATIONS[normalize];
  const { width: w, height: h, data } = img;
  const plane = w * h;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let k = 0; k < 3; k++) {
      const src = data[3 * i + (n.bgr ? 2 - k : k)];
      const v = (src * n.scale - n.mean[k]) / n.std[k];
      out[layout === 'nchw' ? k * plane + i : 3 * i + k] = v;
    }
  }
  return { data: out, dims: layout === 'nchw' ? [1, 3, h, w] : [1, h, w, 3] };
}

export interface OnnxEvaluator {
  /** One line: what the model is fed and which output is scored. */
  describe: string;
  /** Logits `[1, h, w, 19]` (tfjs, NHWC; the caller disposes) of one image, checked: shape and finite values. */
  logitsOf(img: ImageU8, name: string): Promise<tf.Tensor4D>;
  release(): Promise<void>;
}

/** The normalisation to feed `contract` with, checking an explicit choice against what our exports declare. */
function normalizationFor(file: string, contract: SegmenterOnnxContract, asked: OnnxNormalization | undefined): { normalize: OnnxNormalization; note: string } {
  switch (contract.kind) {
    case 'ours':
      if (asked !== undefined && asked !== 'raw') {
        throw new Error(
          `${file}: this semadapt export takes RGB 0–255 and normalises inside its graph (${contract.normalization}), as its metadata states; ` +
            `--onnx-normalize ${asked} would normalise twice (leave it out, or give raw)`,
        );
      }
      return { normalize: 'raw', note: ` (the model normalises inside: ${contract.normalization})` };
    case 'ours-legacy':
      return { normalize: asked ?? 'caffe-bgr', note: asked ? '' : ' (a semadapt export from before segmenters normalised inside their graph; re-export it with semadapt export-onnx to get the RGB 0–255 contract)' };
    case 'foreign':
      return { normalize: asked ?? 'caffe-bgr', note: '' };
    default: {
      const never: never = contract;
      throw new Error(`${file}: unknown input contract ${JSON.stringify(never)}`);
    }
  }
}

/** Opens `file` for evaluation; refuses what cannot be a 19-class segmenter, saying what is expected. */
export async function openOnnxEvaluator(file: string, threads: number, spec: OnnxInputSpec, fallbackSize: [number, number] | null): Promise<OnnxEvaluator> {
  const model: OnnxSession = await openOnnx(file, threads);
  try {
    return evaluatorOf(file, model, spec, fallbackSize);
  } catch (e) {
    await model.release();
    throw e;
  }
}

function evaluatorOf(file: string, model: OnnxSession, spec: OnnxInputSpec, fallbackSize: [number, number] | null): OnnxEvaluator {
  const expected = `a segmenter: one image input, and logits [1, ${NUM_CLASSES}, H, W] (NCHW) or [1, H, W, ${NUM_CLASSES}] (NHWC) for the ${NUM_CLASSES} Cityscapes train classes`;
  if (model.inputNames.length !== 1) {
    throw new Error(`${file}: has ${model.inputNames.length} inputs (${model.inputNames.join(', ')}); evaluate --onnx expects ${expected}`);
  }
  const input = model.inputMetadata[0];
  const shape: readonly (number | string)[] = input?.isTensor ? input.shape : [];
  // Layout: as given, else where the model's input has its 3 channels.
  const layout: OnnxLayout = spec.layout ?? (shape.length === 4 && shape[3] === 3 && shape[1] !== 3 ? 'nhwc' : 'nchw');
  const [hAxis, wAxis, cAxis] = layout === 'nchw' ? [2, 3, 1] : [1, 2, 3];
  if (shape.length === 4 && typeof shape[cAxis] === 'number' && shape[cAxis] !== 3) {
    throw new Error(`${file}: input '${model.inputNames[0]}' has shape [${shape.join(', ')}]: no 3-channel axis where ${layout.toUpperCase()} puts it; give --onnx-layout ${layout === 'nchw' ? 'nhwc' : 'nchw'} if the model takes that`);
  }
  const fixed = shape.length === 4 && typeof shape[hAxis] === 'number' && typeof shape[wAxis] === 'number' ? ([shape[wAxis], shape[hAxis]] as [number, number]) : undefined;
  if (spec.size && fixed && (spec.size[0] !== fixed[0] || spec.size[1] !== fixed[1])) {
    throw new Error(`${file}: the model's input is fixed at ${fixed[0]}×${fixed[1]} (width×height); --onnx-size ${spec.size.join('x')} cannot be fed`);
  }
  const size = spec.size ?? fixed ?? fallbackSize;
  const { normalize, note } = normalizationFor(file, segmenterOnnxContract(readOnnxHeader(file)), spec.normalize);
  const outputs = model.outputNames;
  const ours = outputs.includes('logits') && outputs.includes('guidance');
  const output = spec.output ?? (ours ? 'guidance' : outputs.includes('logits') ? 'logits' : outputs.length === 1 ? outputs[0] : undefined);
  if (output === undefined) {
    throw new Error(`${file}: has ${outputs.length} outputs (${outputs.join(', ')}) and none is named 'logits'; give --onnx-output NAME for the class logits ([1, ${NUM_CLASSES}, H, W])`);
  }
  const outputIndex = outputs.indexOf(output);
  if (outputIndex < 0) throw new Error(`${file}: no output named '${output}' (outputs: ${outputs.join(', ')})`);
  const describe =
    `${file}: input '${model.inputNames[0]}' ${layout.toUpperCase()} ${size ? `${size[0]}×${size[1]}` : 'at the image size'}` +
    `${fixed && !spec.size ? ' (fixed by the model)' : ''}, ${NORMALIZATIONS[normalize].describe}${note}; scoring output '${output}'` +
    `${ours && !spec.output ? ' (network-resolution logits, upsampled once to the label size)' : ''}`;
  return {
    describe,
    async logitsOf(img, name) {
      const x = imageToInput(resizeRgb(img, size), layout, normalize);
      const out = (await model.run([x]))[outputIndex];
      const d = out.dims;
      const classAxis = d.length === 4 ? (d[1] === NUM_CLASSES ? 1 : d[3] === NUM_CLASSES ? 3 : -1) : -1;
      if (d.length !== 4 || d[0] !== 1 || classAxis < 0) {
        throw new Error(`${file}: output '${output}' has shape [${d.join(', ')}] for ${name}; expected ${expected}` +
          (d.length === 4 ? ` (this model has ${d[1]} channels on axis 1, ${d[3]} on axis 3)` : ''));
      }
      for (let i = 0; i < out.data.length; i++) {
        if (!Number.isFinite(out.data[i])) {
          throw new Error(`${file}: output '${output}' holds ${out.data[i]} for ${name} (first at flat index ${i}); a model with non-finite logits is not scored`);
        }
      }
      // One layout change at most: NCHW logits to tfjs's NHWC; NHWC ones are taken as they are.
      return classAxis === 1 ? nchwToNhwcTensor(out) : tf.tensor4d(out.data, [1, d[1], d[2], d[3]]);
    },
    release: () => model.release(),
  };
}
