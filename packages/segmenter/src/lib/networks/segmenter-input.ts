/**
 * The segmenters' input contract (SPEC §3): RGB pixels in [0, 255], NHWC in
 * tfjs and NCHW in the exported ONNX graph. Each network normalises its
 * input itself, first thing in `forward` and first node in `toOnnx` — as
 * mmsegmentation's model owns its `data_preprocessor` — so datasets, loaders
 * and evaluators hand over plain pixels and the constants live only here.
 *
 * - `caffe` (default): channels reordered to BGR, minus the Caffe ImageNet
 *   mean (104.00698793, 116.66876762, 122.67891434) on the 0–255 scale:
 *   DeepLab, FCN (fcn.berkeleyvision) and BDL, whose weights we load.
 * - `imagenet`: RGB/255, minus (0.485, 0.456, 0.406), over
 *   (0.229, 0.224, 0.225): torchvision's, for weights converted from it.
 *
 * Normalisation has no parameters, so checkpoints are the same either way.
 */
import * as tf from '@tensorflow/tfjs-core';
import { floatConstant, int64Constant, OnnxGraph, scopedName } from '@semadapt/core-layers';

/** How a segmenter normalises its RGB [0, 255] input (see the file comment). */
export type InputNormalization = { kind: 'caffe' } | { kind: 'imagenet' };

/** Caffe ImageNet mean of DeepLab, FCN and BDL (SPEC §3), in B, G, R order, 0–255 scale. */
export const CAFFE_BGR_MEAN: readonly [number, number, number] = [104.00698793, 116.66876762, 122.67891434];
/** torchvision's ImageNet mean and std (RGB, 0–1 scale). */
export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

/** The default input normalisation: `{ kind: 'caffe' }` (SPEC §3). */
export const DEFAULT_INPUT_NORMALIZATION: InputNormalization = { kind: 'caffe' };

/** Validates `inputNormalization` of a network's options (default caffe), quoting what was received. */
export function resolveInputNormalization(network: string, value: InputNormalization | undefined): InputNormalization {
  if (value === undefined) return DEFAULT_INPUT_NORMALIZATION;
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (kind === 'caffe' || kind === 'imagenet') return { kind };
  throw new Error(`${network}: inputNormalization must be {kind:'caffe'} or {kind:'imagenet'}, received ${JSON.stringify(value)}`);
}

/** Per model channel: the RGB channel it reads, and `out = in·scale + offset`. */
function channelMap(n: InputNormalization): { source: [number, number, number]; scale: number[]; offset: number[] } {
  switch (n.kind) {
    case 'caffe':
      return { source: [2, 1, 0], scale: [1, 1, 1], offset: CAFFE_BGR_MEAN.map((m) => -m) };
    case 'imagenet':
      return { source: [0, 1, 2], scale: IMAGENET_STD.map((s) => 1 / (255 * s)), offset: IMAGENET_MEAN.map((m, c) => -m / IMAGENET_STD[c]) };
    default: {
      const never: never = n;
      throw new Error(`segmenter input: unknown normalization ${JSON.stringify(never)}`);
    }
  }
}

/** RGB `[N, H, W, 3]` in [0, 255] → what the network's first conv takes (differentiable; the caller tidies). */
export function normalizeSegmenterInput(rgb: tf.Tensor4D, n: InputNormalization): tf.Tensor4D {
  if (rgb.rank !== 4 || rgb.shape[3] !== 3) throw new Error(`segmenter input: expected NHWC RGB [N, H, W, 3] in [0, 255], received [${rgb.shape}]`);
  switch (n.kind) {
    case 'caffe':
      // The same two ops (reverse, subtract) the loaders' float64 copy computed, now in the graph.
      return tf.sub(tf.reverse(rgb, -1), tf.tensor1d([...CAFFE_BGR_MEAN])) as tf.Tensor4D;
    case 'imagenet': {
      const { scale, offset } = channelMap(n);
      return tf.add(tf.mul(rgb, tf.tensor1d(scale)), tf.tensor1d(offset)) as tf.Tensor4D;
    }
    default: {
      const never: never = n;
      throw new Error(`segmenter input: unknown normalization ${JSON.stringify(never)}`);
    }
  }
}

/** The same normalisation as ONNX nodes on an NCHW RGB input; returns the normalised tensor's name. */
export function segmenterInputToOnnx(graph: OnnxGraph, input: string, scope: string, n: InputNormalization): string {
  const op = (type: string, inputs: string[], stem: string, attributes = {}) =>
    graph.node(type, inputs, attributes, { outputs: [graph.fresh(scopedName(scope, stem))] })[0];
  const { source, scale, offset } = channelMap(n);
  const ordered = source[0] === 0 ? input : op('Gather', [input, int64Constant(graph, scopedName(scope, 'bgr_order'), source)], 'bgr', { axis: 1 });
  const scaled = scale.every((s) => s === 1) ? ordered : op('Mul', [ordered, floatConstant(graph, scopedName(scope, 'scale'), scale, [1, 3, 1, 1])], 'scaled');
  return op('Add', [scaled, floatConstant(graph, scopedName(scope, 'offset'), offset, [1, 3, 1, 1])], 'normalized');
}
