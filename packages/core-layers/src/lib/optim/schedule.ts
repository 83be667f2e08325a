/**
 * Learning-rate schedules as small typed objects (STYLE §3: a discriminated
 * union switched exhaustively). A schedule maps the optimizer's step counter
 * (the number of updates already applied, starting at 0) to a factor of the
 * base learning rate, so update `k` uses `lr · factor(k)` — the convention of
 * AdaptSegNet/BDL's `adjust_learning_rate(optimizer, i_iter)`.
 *
 * SPEC §2 (translator): 'poly' to 0 over 1,000,000 iterations, power 0.9 (R).
 * SPEC §3 (segmenter, BDL's): 'poly' 0.9 over 250k steps.
 */
export type LrSchedule =
  /** The base rate at every step. */
  | { kind: 'constant' }
  /** `(1 − step/maxSteps)^power`, and 0 from `maxSteps` on (DeepLab's 'poly'). */
  | { kind: 'poly'; maxSteps: number; power: number }
  /** `gamma^floor(step/stepSize)` (PyTorch's `StepLR`). */
  | { kind: 'step'; stepSize: number; gamma: number };

/** Throws, quoting the value received, when a schedule's fields are out of range. */
export function validateSchedule(schedule: LrSchedule): LrSchedule {
  const bad = (what: string): never => {
    throw new Error(`LrSchedule: ${what}; received ${JSON.stringify(schedule)}`);
  };
  switch (schedule.kind) {
    case 'constant':
      return schedule;
    case 'poly':
      if (!Number.isInteger(schedule.maxSteps) || schedule.maxSteps <= 0) bad('poly.maxSteps must be a positive integer');
      if (!Number.isFinite(schedule.power) || schedule.power < 0) bad('poly.power must be a finite number ≥ 0');
      return schedule;
    case 'step':
      if (!Number.isInteger(schedule.stepSize) || schedule.stepSize <= 0) bad('step.stepSize must be a positive integer');
      if (!Number.isFinite(schedule.gamma) || schedule.gamma < 0) bad('step.gamma must be a finite number ≥ 0');
      return schedule;
    default: {
      const never: never = schedule;
      throw new Error(`LrSchedule: unknown kind in ${JSON.stringify(never)}`);
    }
  }
}

/** The factor multiplying the base learning rate at `step` (0-based). */
export function scheduleFactor(schedule: LrSchedule, step: number): number {
  if (!Number.isInteger(step) || step < 0) throw new Error(`scheduleFactor: step must be an integer ≥ 0; received ${step}`);
  switch (schedule.kind) {
    case 'constant':
      return 1;
    case 'poly':
      return step >= schedule.maxSteps ? 0 : Math.pow(1 - step / schedule.maxSteps, schedule.power);
    case 'step':
      return Math.pow(schedule.gamma, Math.floor(step / schedule.stepSize));
    default: {
      const never: never = schedule;
      throw new Error(`scheduleFactor: unknown kind in ${JSON.stringify(never)}`);
    }
  }
}

/** `baseLr · scheduleFactor(schedule, step)`. */
export function learningRateAt(baseLr: number, schedule: LrSchedule, step: number): number {
  return baseLr * scheduleFactor(schedule, step);
}
