/**
 * The width multiplier of a network: every channel count of the paper's
 * architecture tables multiplied by `widthMultiplier`, rounded, at least 1.
 * Both the translator (Appendix B) and the segmenters (DeepLabV2, FCN8s) scale
 * this way; tools/convert_pth_to_safetensors.py agrees.
 */
export function scaledChannels(channels: number, widthMultiplier: number): number {
  return Math.max(1, Math.round(channels * widthMultiplier));
}
