/**
 * ONNX export of one translation direction (SPEC §7): `x_st = G_t(E_s(x),
 * guidance)` ('s2t') or `x_ts = G_s(E_t(x), guidance)` ('t2s'), inputs
 * `image` (3 channels, [−1, 1]) and `guidance` (the segmenter's logits; any
 * spatial size, resized in-graph, nearest), output `translated`. NCHW by
 * default, dynamic N/H/W, opset 17, spectral norm folded into the weights,
 * eval semantics — all from core-layers' exporter. With `spade` off there is
 * no guidance input.
 */
import { ExportOnnxOptions, encodeOnnx, exportOnnx } from '@semadapt/core-layers';
import { Direction, Translator } from '../networks/translator';

/** Options of `exportTranslatorOnnx`. */
export interface ExportTranslatorOptions {
  /** Layout of the model's inputs/outputs. Default 'NCHW' (SPEC §7). */
  layout?: 'NCHW' | 'NHWC';
  /** Opset, ≥ 17. Default 17. */
  opset?: number;
}

/** Input/output tensor names of an exported translator. */
export const TRANSLATOR_ONNX_NAMES = { image: 'image', guidance: 'guidance', output: 'translated' } as const;

/** An ONNX `ModelProto` as core-layers' exporter builds it. */
export type TranslatorOnnxModel = ReturnType<typeof exportOnnx>;

/** The `.onnx` bytes of one direction (see `exportTranslatorOnnx`). */
export function translatorOnnxBytes(translator: Translator, direction: Direction = 's2t', options: ExportTranslatorOptions = {}): Uint8Array {
  return encodeOnnx(exportTranslatorOnnx(translator, direction, options));
}

/** Build the `ModelProto` of one direction of `translator`. */
export function exportTranslatorOnnx(translator: Translator, direction: Direction = 's2t', options: ExportTranslatorOptions = {}): TranslatorOnnxModel {
  const [from, to] = direction === 's2t' ? (['s', 't'] as const) : (['t', 's'] as const);
  const encoder = translator.encoder(from);
  const generator = translator.generator(to);
  const spade = translator.config.spade;
  const inputs: ExportOnnxOptions['inputs'] = [{ name: TRANSLATOR_ONNX_NAMES.image, channels: 3 }];
  if (spade) inputs.push({ name: TRANSLATOR_ONNX_NAMES.guidance, channels: translator.config.guidanceClasses });
  return exportOnnx({
    inputs,
    outputs: [{ name: TRANSLATOR_ONNX_NAMES.output, channels: 3 }],
    build: (graph, [image, guidance]) => {
      const content = encoder.toOnnx(graph, image, `E_${from}`);
      return [generator.toOnnxGuided(graph, content, spade ? guidance : null, `G_${to}`)];
    },
    layout: options.layout,
    opset: options.opset,
    graphName: `translator_${direction}`,
    docString: `semadapt translator ${direction} (SPEC §2): ${JSON.stringify(translator.config)}`,
  });
}
