/**
 * ONNX export of a segmenter (SPEC §7): image NCHW `[N, 3, H, W]` (BGR minus
 * the Caffe mean, as `toCaffeInput` makes) → logits `[N, classes, H, W]`,
 * dynamic N/H/W, opset 17. DeepLabV2's 1/8 logits are upsampled inside the
 * graph (bilinear, align corners — the same as `logitsAtSize`) unless
 * `upsample: false`. A second output, `guidance`, is `S(x)` at the network's
 * own resolution — the tensor SPADE is fed in training (`segmenterGuidance`),
 * so the translate stage guides with it, never with the upsampled logits.
 * Initializers carry our parameter names.
 */
import { encodeOnnx, exportOnnx, onnxResizeLike } from '@semadapt/core-layers';
import type { Segmenter } from '../networks/segmenter';

/** Output names of an exported segmenter: evaluation logits, and SPADE's guidance. */
export const SEGMENTER_ONNX_NAMES = { image: 'image', logits: 'logits', guidance: 'guidance' } as const;

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
    docString: `semadapt segmenter ${net.kind}: image NCHW (BGR − Caffe mean) → logits NCHW${upsample ? ' at the input size' : ''}; guidance = logits at the network resolution`,
    build: (graph, [image]) => {
      const logits = net.toOnnx(graph, image, '');
      if (!upsample || net.kind === 'fcn8s') return [logits, logits];
      return [onnxResizeLike(graph, logits, image, { kind: 'bilinear', alignCorners: true }, 'upsample'), logits];
    },
  });
  return encodeOnnx(model);
}
