/**
 * The translator with its guiding segmenter inside one ONNX graph (SPEC §7:
 * "a variant that embeds the segmenter: image → image"): `image` ([−1, 1],
 * NCHW) → the segmenter's input (RGB → BGR, ×127.5 after +1, minus the Caffe
 * mean: `toCaffeInput`'s steps) → `S(x)` at the network's resolution, the
 * guidance SPADE is trained on → `G_t(E_s(image), S(x))`. One file, so no
 * choice of segmenter output can make the guidance differ from training's.
 */
import { encodeOnnx, exportOnnx, floatConstant, int64Constant, OnnxGraph } from '@semadapt/core-layers';
import { CAFFE_BGR_MEAN, Segmenter } from '@semadapt/segmenter';
import { Direction, Translator, TRANSLATOR_ONNX_NAMES } from '@semadapt/translator';
import type { RunContext } from './run-context';
import { writeFileAtomic } from '@semadapt/runner';
import { loadSegmenter } from './segmenter-stage';
import { loadTranslator } from './translator-stage';

/** [−1, 1] RGB NCHW → BGR minus the Caffe mean, in the graph. */
function caffeInput(graph: OnnxGraph, image: string): string {
  const op = (type: string, inputs: string[], stem: string, attributes = {}) => graph.node(type, inputs, attributes, { outputs: [graph.fresh(stem)] })[0];
  const scaled = op('Mul', [op('Add', [image, floatConstant(graph, 'S_in_one', [1])], 'S_in_shift'), floatConstant(graph, 'S_in_scale', [127.5])], 'S_in_rgb255');
  const bgr = op('Gather', [scaled, int64Constant(graph, 'S_in_bgr', [2, 1, 0])], 'S_in_bgr255', { axis: 1 });
  return op('Sub', [bgr, floatConstant(graph, 'S_in_mean', [...CAFFE_BGR_MEAN], [1, 3, 1, 1])], 'S_in_caffe');
}

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
      const guidance = segmenter.toOnnx(graph, caffeInput(graph, image), 'S');
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
