#!/usr/bin/env node
/**
 * Thin CLI over `generateDemoBenchmark` (@semadapt/data-core): writes the
 * procedural demo benchmark (source in GTA5 layout, target in Cityscapes
 * layout) and prints the manifest. Uses the built package (`npm run build`
 * or `npx nx build @semadapt/data-core` first).
 *
 *   node tools/generate-demo-data.js [--root datasets/demo] [--seed 0]
 *     [--source 200] [--train 200] [--val 50] [--width 128] [--height 64]
 *     [--gap-strength 1] [--force] [--gap]
 *
 * --gap also runs the appearance-gap probe (QDA per-pixel classifier, see
 * the data-core README "Demo benchmark") on in-memory copies of the sets.
 */
'use strict';
const path = require('path');

function parseArgs(argv) {
  const numeric = { seed: 'seed', source: 'source', train: 'targetTrain', val: 'targetVal', width: 'width', height: 'height' };
  const out = { root: 'datasets/demo', force: false, gap: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--force') out.force = true;
    else if (a === '--gap') out.gap = true;
    else if (a === '--root') out.root = argv[++i];
    else if (a === '--gap-strength') out.gapStrength = Number(argv[++i]);
    else if (a.startsWith('--') && numeric[a.slice(2)]) {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v)) throw new Error(`${a} needs an integer, got ${JSON.stringify(argv[i])}`);
      out[numeric[a.slice(2)]] = v;
    } else if (a === '--help' || a === '-h') {
      console.log(require('fs').readFileSync(__filename, 'utf8').split('*/')[0]);
      process.exit(0);
    } else throw new Error(`unknown argument ${JSON.stringify(a)} (see --help)`);
  }
  return out;
}

function loadDataCore() {
  const dist = path.join(__dirname, '..', 'packages', 'data-core', 'dist', 'index.js');
  try {
    return require(dist);
  } catch (err) {
    if (err.code !== 'MODULE_NOT_FOUND') throw err;
    console.error(`generate-demo-data: ${dist} not found; build first: npx nx build @semadapt/data-core`);
    process.exit(2);
  }
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const { generateDemoBenchmark, measureDemoAppearanceGap } = loadDataCore();
  const counts = { source: args.source, targetTrain: args.targetTrain, targetVal: args.targetVal };
  const r = generateDemoBenchmark({ root: args.root, seed: args.seed, counts, width: args.width, height: args.height, gapStrength: args.gapStrength, force: args.force });
  const c = r.manifest.counts;
  console.log(`${r.generated ? 'generated' : 'up to date'}: ${r.root} (${c.source} source, ${c.targetTrain}+${c.targetVal} target, ${r.manifest.width}×${r.manifest.height}, seed ${r.manifest.seed}, gap strength ${r.manifest.gapStrength}) in ${r.seconds.toFixed(2)} s`);
  if (args.gap) {
    const t = Date.now();
    const g = measureDemoAppearanceGap({ seed: r.manifest.seed, counts: c, width: r.manifest.width, height: r.manifest.height, gapStrength: r.manifest.gapStrength });
    const f = (v) => v.toFixed(1);
    console.log(`appearance gap (QDA probe, target-val mIoU %): source-only ${f(g.sourceOnly)}, target-only ${f(g.targetOnly)}, ` +
      `global colour transfer ${f(g.globalColourTransfer)}, per-class colour transfer ${f(g.perClassColourTransfer)} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  }
}

try {
  main();
} catch (err) {
  console.error(`generate-demo-data: ${err.message}`);
  process.exit(1);
}
