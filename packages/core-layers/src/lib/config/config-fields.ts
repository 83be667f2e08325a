/**
 * zod field builders and the parse step shared by the model packages' config
 * schemas (segmenter, translator), so a field of the same kind is checked,
 * and refused, in the same words everywhere. Each builder takes the refusal
 * message where the packages word it differently.
 */
import { z } from 'zod';
import { validateSchedule, type LrSchedule } from '../optim/schedule';
import { configProblems, type ConfigProblem } from './config-issues';

const POSITIVE_INTEGER = 'must be a positive integer';

/** An integer ≥ 1. */
export const positiveIntegerField = () => z.number({ invalid_type_error: POSITIVE_INTEGER }).int(POSITIVE_INTEGER).min(1, POSITIVE_INTEGER);

/** A finite number > 0. */
export const positiveField = (message = 'must be a finite number > 0') => z.number({ invalid_type_error: message }).finite(message).positive(message);

/** A finite number ≥ 0. */
export const nonNegativeField = (message = 'must be a finite number ≥ 0') => z.number({ invalid_type_error: message }).finite(message).nonnegative(message);

/** A number in [0, 1) (a momentum, an Adam β, a dropout rate, a LeakyReLU slope). */
export const unitIntervalField = (message = 'must be in [0, 1)') => z.number({ invalid_type_error: message }).min(0, message).lt(1, message);

/** A boolean. */
export const booleanField = () => z.boolean({ invalid_type_error: 'must be a boolean' });

/** A learning-rate schedule, checked by `validateSchedule` (its message names the bad field). */
export const lrScheduleField = () =>
  z
    .unknown()
    .superRefine((v, ctx) => {
      try {
        validateSchedule(v as LrSchedule);
      } catch (e) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: (e as Error).message });
      }
    })
    .transform((v) => v as LrSchedule);

/** The keys an object at a dotted path may have (undefined: not listed), for "is not a known key" refusals. */
export type KnownConfigKeys = (path: string) => readonly string[] | undefined;

/**
 * `input` (absent: `{}`) checked and defaulted by `schema`; when it fails,
 * throws `refuse(problems)`: every problem, each naming its field and quoting
 * the value received (see `configProblems`).
 */
export function parseConfig<T extends z.ZodTypeAny>(schema: T, input: unknown, refuse: (problems: ConfigProblem[]) => Error, known?: KnownConfigKeys): z.output<T> {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  throw refuse(configProblems(r.error.issues, input, known));
}
