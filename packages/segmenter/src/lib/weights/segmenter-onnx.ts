/**
 * ONNX export of a segmenter (SPEC §7): `image` NCHW `[N, 3, H, W]`, RGB in
 * [0, 255] as float32 (the network's normalisation — by default BGR minus the
 * Caffe mean — is the graph's first nodes, as in `forward`) → logits
 * `[N, classes, H, W]`, dynamic N/H/W, opset 17. DeepLabV2's 1/8 logits are upsampled inside the
 * graph (bilinear, align corners — the same as `logitsAtSize`) unless
 * `upsample: false`. A second output, `guidance`, is `S(x)` at the network's
 * own resolution — the tensor SPADE is fed in training (the pipeline's
 * `segmenterGuidance`),
 * so the translate stage guides with it, never with the upsampled logits.
 * Initializers carry our parameter names. The model's metadata declares the
 * input contract (`SEGMENTER_ONNX_INPUT`), so `evaluate --onnx` feeds it
 * right and can tell it from our exports before the contract moved into the
 * graph (those took BGR minus the Caffe mean and have no such entry).
 */
import { encodeOnnx, exportOnnx, onnxResizeLike } from '@semadapt/core-layers';
import type { Segmenter } from '../networks/segmenter';

/** Output names of an exported segmenter: evaluation logits, and SPADE's guidance. */
export const SEGMENTER_ONNX_NAMES = { image: 'image', logits: 'logits', guidance: 'guidance' } as const;

/**
 * The metadata entry (`metadata_props`) stating the input contract of an
 * exported segmenter: RGB [0, 255], NCHW float32, normalised inside. Exports
 * without it took their input already normalised (BGR minus the Caffe mean).
 */
export const SEGMENTER_ONNX_INPUT = { key: 'semadapt.input', value: 'rgb-0-255-nchw' } as const;
/** The metadata entry naming the normalisation inside the graph (`caffe` or `imagenet`). */
export const SEGMENTER_ONNX_NORMALIZATION_KEY = 'semadapt.input_normalization';

/** Options of `exportSegmenterOnnx`. */
export interface ExportSegmenterOptions {
  /** Upsample the logits to the input size in the graph. Default true. */
  upsample?: boolean;
  /** Opset (≥ 17). Default 17. */
  opset?: number;
}

/** The `.onnx` bytes of `net` in eval semantics (dropout off, frozen BN). */
export function exportSegmenterOnnx(net: Segmenter, options: ExportSegmenterOptions = {}): Uint8Array {
  const upsample = options.upsample ?? true;
  const model = exportOnnx({
    inputs: [{ name: SEGMENTER_ONNX_NAMES.image, channels: 3 }],
    outputs: [
      { name: SEGMENTER_ONNX_NAMES.logits, channels: net.numClasses },
      { name: SEGMENTER_ONNX_NAMES.guidance, channels: net.numClasses },
    ],
    opset: options.opset,
    graphName: `semadapt-${net.kind}`,
    docString: `semadapt segmenter ${net.kind}: image NCHW, RGB in [0, 255] (normalised in the graph: ${net.inputNormalization.kind}) → logits NCHW${upsample ? ' at the input size' : ''}; guidance = logits at the network resolution`,
    build: (graph, [image]) => {
      const logits = net.toOnnx(graph, image, '');
      if (!upsample || net.kind === 'fcn8s') return [logits, logits];
      return [onnxResizeLike(graph, logits, image, { kind: 'bilinear', alignCorners: true }, 'upsample'), logits];
    },
  });
  model.metadataProps = [
    { key: SEGMENTER_ONNX_INPUT.key, value: SEGMENTER_ONNX_INPUT.value },
    { key: SEGMENTER_ONNX_NORMALIZATION_KEY, value: net.inputNormalization.kind },
  ];
  return encodeOnnx(model);
}
