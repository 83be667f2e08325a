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
 */
export function renderDemoScene(seed: number, domain: SceneDomain, stream: string, index: number, width: number, height: number): DemoScene {
  const rng = new SceneRng(sceneSeed('semadapt-demo', seed, domain, stream, index));
  const layout = sampleSceneLayout(rng, width, height, domain);
  const rgb = domain === 'source' ? renderSource(layout, rng) : renderTarget(layout, rng);
  return { width, height, rgb, labelIds: layout.label };
}
