/** `semadapt config` and `semadapt report`. */
import { writeReport } from '../report/build-report';
import { screenshot } from '../report/screenshot';
import { RunDir } from '@semadapt/runner';
import { configFromArgs, RunArgs, runDirOf } from './context';

/** Prints the resolved, validated config as JSON; nothing else happens. */
export async function showConfig(argv: Record<string, unknown>): Promise<number> {
  const config = configFromArgs(argv as RunArgs);
  console.log(JSON.stringify(config, null, 2));
  return 0;
}

/** (Re)writes the HTML report of a run directory. */
export async function report(argv: Record<string, unknown>): Promise<number> {
  const args = argv as RunArgs;
  const dir = runDirOf(args);
  const run = new RunDir(dir);
  const file = writeReport(run);
  console.log(`report: ${file}`);
  if (argv['screenshot'] === true) console.log(`screenshot: ${screenshot(file, run.path('report.png'))}`);
  return 0;
}
