/**
 * `semadapt data check <dataset> <root> [--json]`: the reader packages'
 * validation summary (issue 7's JSON: dataset, root, splits, problems,
 * trainIdPixels, ignoredPixels). Exit code 1 when the tree has problems.
 */
import { checkCityscapes } from '@semadapt/data-cityscapes';
import { checkGta5 } from '@semadapt/data-gta5';
import { checkSynthia } from '@semadapt/data-synthia';
import type { CheckReport } from '@semadapt/data-core';
import { CLASS_NAMES } from '@semadapt/labels';

export async function dataCheck(argv: Record<string, unknown>): Promise<number> {
  const dataset = argv['dataset'] as 'gta5' | 'synthia' | 'cityscapes';
  const root = argv['root'] as string;
  let report: CheckReport;
  switch (dataset) {
    case 'gta5':
      report = checkGta5(root);
      break;
    case 'synthia':
      report = checkSynthia(root);
      break;
    case 'cityscapes':
      report = checkCityscapes(root);
      break;
    default: {
      const never: never = dataset;
      throw new Error(`data check: unknown dataset '${String(never)}'; expected gta5, synthia or cityscapes`);
    }
  }
  if (argv['json'] === true) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(`${report.dataset} at ${report.root}`);
    console.log(`splits: ${Object.entries(report.splits).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
    const total = report.trainIdPixels.reduce((a, b) => a + b, 0) + report.ignoredPixels;
    if (total > 0) {
      console.log('pixels per class (% of all labelled pixels):');
      console.log(report.trainIdPixels.map((n, i) => `  ${CLASS_NAMES[i].padEnd(14)} ${((100 * n) / total).toFixed(2).padStart(6)}%`).join('\n'));
      console.log(`  ${'ignored (255)'.padEnd(14)} ${((100 * report.ignoredPixels) / total).toFixed(2).padStart(6)}%`);
    }
    if (report.problems.length) {
      console.log(`${report.problems.length} problem(s):`);
      for (const p of report.problems.slice(0, 50)) console.log(`  ${p.path}: ${p.message}`);
      if (report.problems.length > 50) console.log(`  … and ${report.problems.length - 50} more (use --json for all)`);
    } else {
      console.log('no problems found');
    }
  }
  return report.problems.length > 0 ? 1 : 0;
}
