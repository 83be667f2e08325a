/**
 * Random streams that live inside networks and advance every training step —
 * the masks of `Dropout` layers (FCN8s' drop6/drop7) — must be in a
 * checkpoint, or a resumed run drops other units than an uninterrupted one.
 * Named `layer:<module key>.<dotted layer path>` in the checkpoint's `rng`
 * metadata (the names run directories already hold).
 */
import { Dropout, Module, Rng, RngState } from '@semadapt/core-layers';

/** Every Dropout layer's stream under `modules`, by name. */
export function layerRandomStreams(modules: Record<string, Module>): Record<string, Rng> {
  const out: Record<string, Rng> = {};
  for (const [key, module] of Object.entries(modules)) {
    for (const [name, m] of module.namedModules()) {
      if (m instanceof Dropout) out[`layer:${key}${key && name ? '.' : ''}${name}`] = m.rng;
    }
  }
  return out;
}

/**
 * Restores the streams of `layerRandomStreams(modules)` from a checkpoint's
 * RNG states. A stream the checkpoint lacks (written before streams were
 * saved) is reported by name in the returned list and left as it is.
 */
export function restoreLayerRandomStreams(modules: Record<string, Module>, saved: Record<string, RngState>): string[] {
  const missing: string[] = [];
  for (const [name, rng] of Object.entries(layerRandomStreams(modules))) {
    const state = saved[name];
    if (state) rng.setState(state);
    else missing.push(name);
  }
  return missing;
}
