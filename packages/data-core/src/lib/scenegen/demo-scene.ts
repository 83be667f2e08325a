/**
 * One demo image and its labels, by (seed, domain, index): each image has its
 * own rng stream, so an image does not depend on how many others are made.
 */
import { renderSource, renderTarget } from './domain-style';
import { sampleSceneLayout, SceneDomain } from './scene-layout';
import { sceneSeed, SceneRng } from './scene-rng';

/** An RGB image (interleaved bytes, row-major) with its labelIds. */
export interface DemoScene {
  width: number;
  height: number;
  rgb: Uint8Array;
  labelIds: Uint8Array;
}

/**
 * Renders scene `index` of `domain` ('source' GTA5-like, 'target'
 * Cityscapes-like; `stream` separates target train from val) for `seed`.
 * `gapStrength` (default 1) scales how far the target palette departs from
 * the source's (see renderTarget).
 */
export function renderDemoScene(seed: number, domain: SceneDomain, stream: string, index: number, width: number, height: number, gapStrength = 1): DemoScene {
  if (!(gapStrength >= 0 && gapStrength <= 1)) throw new RangeError(`renderDemoScene: gapStrength must be in [0, 1], got ${gapStrength}`);
  const rng = new SceneRng(sceneSeed('semadapt-demo', seed, domain, stream, index));
  const layout = sampleSceneLayout(rng, width, height, domain);
  const rgb = domain === 'source' ? renderSource(layout, rng) : renderTarget(layout, rng, gapStrength);
  return { width, height, rgb, labelIds: layout.label };
}
