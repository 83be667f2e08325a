/** `semadapt config` and `semadapt report`. */
import { writeReport } from '../report/build-report';
import { RunDir } from '../run/run-dir';
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
  const file = writeReport(new RunDir(dir));
  console.log(`report: ${file}`);
  return 0;
}
