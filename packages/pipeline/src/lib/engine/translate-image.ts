/**
 * Translation s→t of one RGB image, in the two places the pipeline does it:
 * through the exported ONNX pair (segmenter + translator, the `translate`
 * stage) and in the training framework (samples, `fake-guidance`). Both
 * feed SPADE the same guidance tensor the translator was trained with.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ImageU8 } from '@semadapt/data-core';
import { Segmenter, SEGMENTER_ONNX_NAMES } from '@semadapt/segmenter';
import type { Translator } from '@semadapt/translator';
import type { OnnxSession } from '@semadapt/onnx-runtime';
import { segmenterGuidance } from './guidance';
import { NchwTensor, rgbToNchw, rgbToSymmetricNchw } from './tensors';

/**
 * SPADE's guidance through an ONNX segmenter: its `guidance` output (`S(x)`
 * at the network's resolution, as in training). A model without it (an old
 * export, or one made elsewhere) is refused: its `logits` may be upsampled,
 * which is not what the translator was trained on.
 */
export async function guidanceOnnx(segmenter: OnnxSession, img: ImageU8): Promise<NchwTensor> {
  const k = segmenter.outputNames.indexOf(SEGMENTER_ONNX_NAMES.guidance);
  if (k < 0) {
    throw new Error(
      `segmenter ONNX has outputs [${segmenter.outputNames.join(', ')}], no '${SEGMENTER_ONNX_NAMES.guidance}' (S(x) at the network's resolution, what SPADE is trained on); re-export it with 'semadapt export-onnx'`,
    );
  }
  return (await segmenter.run([rgbToNchw(img)]))[k];
}

/** The translated image (`[1, 3, H, W]`, [−1, 1]) through ONNX; `segmenter` gives the guidance when the translator takes it. */
export async function translateImageOnnx(translator: OnnxSession, segmenter: OnnxSession | undefined, img: ImageU8): Promise<NchwTensor> {
  const inputs = [rgbToSymmetricNchw(img)];
  if (translator.inputNames.length === 2) {
    if (!segmenter) throw new Error('translator ONNX takes guidance logits; a segmenter ONNX model is needed');
    inputs.push(await guidanceOnnx(segmenter, img));
  }
  const [out] = await translator.run(inputs);
  return out;
}

/** NCHW host tensor → NHWC tfjs tensor. */
export function nchwToTensor(t: NchwTensor): tf.Tensor4D {
  const [n, c, h, w] = t.dims;
  return tf.tidy(() => tf.transpose(tf.tensor4d(t.data, [n, c, h, w]), [0, 2, 3, 1]) as tf.Tensor4D);
}

async function toNchw(t: tf.Tensor4D): Promise<NchwTensor> {
  const nchw = tf.transpose(t, [0, 3, 1, 2]);
  try {
    return { data: (await nchw.data()) as Float32Array, dims: nchw.shape.slice() };
  } finally {
    nchw.dispose();
  }
}

/** The same translation in the training framework (eval mode); `guidance` overrides S(x) (Appendix C). */
export async function translateImageInFramework(translator: Translator, segmenter: Segmenter | null, img: ImageU8, guidance?: tf.Tensor4D): Promise<NchwTensor> {
  const out = tf.tidy(() => {
    const x = nchwToTensor(rgbToSymmetricNchw(img));
    const g = guidance ?? (segmenter && translator.config.spade ? segmenterGuidance(segmenter, x) : null);
    return translator.translate(x, g, 's2t');
  });
  try {
    return await toNchw(out);
  } finally {
    out.dispose();
  }
}
