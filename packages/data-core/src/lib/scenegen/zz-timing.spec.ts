import { renderDemoScene } from './demo-scene';
import { measureDemoAppearanceGap } from './appearance-gap';
it('timing', () => {
  let t = Date.now();
  for (let i = 0; i < 50; i++) renderDemoScene(1, 'source', 'train', i, 128, 64);
  console.log('source 50', Date.now() - t); t = Date.now();
  for (let i = 0; i < 50; i++) renderDemoScene(1, 'target', 'train', i, 128, 64);
  console.log('target 50', Date.now() - t); t = Date.now();
  measureDemoAppearanceGap({ seed: 3, counts: { source: 10, targetTrain: 10, targetVal: 5 } });
  console.log('gap', Date.now() - t);
  expect(1).toBe(1);
});
