/**
 * The translator with its guiding segmenter inside one ONNX graph (SPEC §7:
 * "a variant that embeds the segmenter: image → image"): `image` ([−1, 1],
 * NCHW) → RGB [0, 255] (`translatorImageToRgbOnnx`), the segmenter's input,
 * which it normalises in its own nodes → `S(x)` at the network's resolution,
 * the guidance SPADE is trained on (`segmenterGuidance`'s steps) →
 * `G_t(E_s(image), S(x))`. One file, so no
 * choice of segmenter output can make the guidance differ from training's.
 */
import { encodeOnnx, exportOnnx } from '@semadapt/core-layers';
import type { Segmenter } from '@semadapt/segmenter';
import { Direction, Translator, TRANSLATOR_ONNX_NAMES, translatorImageToRgbOnnx } from '@semadapt/translator';
import type { RunContext } from './run-context';
import { writeFileAtomic } from '@semadapt/runner';
import { loadSegmenter } from './segmenter-stage';
import { loadTranslator } from './translator-stage';

/** The `.onnx` bytes: input `image`, output `translated` (eval semantics, dynamic N/H/W, opset 17). */
export function embeddedTranslatorOnnxBytes(translator: Translator, segmenter: Segmenter, direction: Direction = 's2t'): Uint8Array {
  if (!translator.config.spade) throw new Error('embeddedTranslatorOnnxBytes: spade is off, the translator takes no guidance (export it alone)');
  if (segmenter.numClasses !== translator.config.guidanceClasses) {
    throw new Error(`embeddedTranslatorOnnxBytes: the segmenter has ${segmenter.numClasses} classes, the translator takes ${translator.config.guidanceClasses} guidance channels`);
  }
  const [from, to] = direction === 's2t' ? (['s', 't'] as const) : (['t', 's'] as const);
  const model = exportOnnx({
    inputs: [{ name: TRANSLATOR_ONNX_NAMES.image, channels: 3 }],
    outputs: [{ name: TRANSLATOR_ONNX_NAMES.output, channels: 3 }],
    graphName: `translator_${direction}_with_${segmenter.kind}`,
    docString: `semadapt translator ${direction} guided by an embedded ${segmenter.kind} (SPEC §7): image [−1, 1] NCHW → translated image`,
    build: (graph, [image]) => {
      const guidance = segmenter.toOnnx(graph, translatorImageToRgbOnnx(graph, image, 'S_in'), 'S');
      const content = translator.encoder(from).toOnnx(graph, image, `E_${from}`);
      return [translator.generator(to).toOnnxGuided(graph, content, guidance, `G_${to}`)];
    },
  });
  return encodeOnnx(model);
}

/**
 * Writes `file` from a translator checkpoint folder and the segmenter that
 * guided it (`round<k>/export-onnx` puts it beside the pair as
 * `translator-s2t-with-segmenter.onnx`); returns `file`.
 */
export async function exportEmbeddedTranslatorOnnx(ctx: RunContext, translatorDir: string, segmenterDir: string, file: string): Promise<string> {
  const translator = await loadTranslator(translatorDir);
  const segmenter = await loadSegmenter(ctx, segmenterDir);
  try {
    if (!translator.config.spade) return file;
    writeFileAtomic(file, embeddedTranslatorOnnxBytes(translator, segmenter, 's2t'));
    return file;
  } finally {
    translator.dispose();
    segmenter.dispose();
  }
}
