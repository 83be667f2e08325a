/**
 * Ctrl-C handling (issue 9 §3: "Ctrl-C saves and exits"). The first SIGINT
 * (or SIGTERM, as sent by cluster schedulers before killing a job) sets a
 * flag that the training loop checks after each step: it writes a checkpoint
 * and throws `InterruptedError`, which the CLI turns into exit code 130. A
 * second signal exits at once.
 */
let requested = false;
let installed = false;

export class InterruptedError extends Error {
  constructor(readonly stage: string, readonly step: number) {
    super(`interrupted during ${stage} at step ${step}; checkpoint saved — rerun the same command to resume`);
    this.name = 'InterruptedError';
  }
}

export function installInterruptHandler(log: (m: string) => void = (m) => console.error(m)): void {
  if (installed) return;
  installed = true;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (requested) {
      log(`\n${sig} again: exiting without saving`);
      process.exit(130);
    }
    requested = true;
    log(`\n${sig}: saving a checkpoint after the current step (press Ctrl-C again to quit at once)`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

export function interruptRequested(): boolean {
  return requested;
}

/** For tests: request or clear an interrupt without a signal. */
export function setInterruptRequested(on: boolean): void {
  requested = on;
}
