/** The zod field builders and parse step the model packages' config schemas share. */
import { z } from 'zod';
import {
  booleanField,
  lrScheduleField,
  nonNegativeField,
  parseConfig,
  positiveField,
  positiveIntegerField,
  unitIntervalField,
} from './config-fields';
import type { ConfigProblem } from './config-issues';

/** The refusal message of `schema` for `value`, or undefined when it accepts it. */
function refusal(schema: z.ZodTypeAny, value: unknown): string | undefined {
  const r = schema.safeParse(value);
  return r.success ? undefined : r.error.issues[0].message;
}

describe('config field builders', () => {
  it('positiveIntegerField accepts 1 and 7, refuses 0, 1.5, NaN and a string in one wording', () => {
    expect([1, 7].map((v) => refusal(positiveIntegerField(), v))).toEqual([undefined, undefined]);
    for (const bad of [0, 1.5, NaN, '3']) expect(refusal(positiveIntegerField(), bad)).toBe('must be a positive integer');
  });
  it('positiveField and nonNegativeField: the boundary 0, infinity, and the caller\'s wording', () => {
    expect(refusal(positiveField(), 1e-9)).toBeUndefined();
    for (const bad of [0, -1, Infinity, 'x']) expect(refusal(positiveField(), bad)).toBe('must be a finite number > 0');
    expect(refusal(positiveField('must be > 0'), 0)).toBe('must be > 0');
    expect(refusal(nonNegativeField(), 0)).toBeUndefined();
    for (const bad of [-1e-9, Infinity, null]) expect(refusal(nonNegativeField(), bad)).toBe('must be a finite number ≥ 0');
  });
  it('unitIntervalField is [0, 1): 0 in, 1 out', () => {
    expect(refusal(unitIntervalField(), 0)).toBeUndefined();
    expect(refusal(unitIntervalField(), 0.999)).toBeUndefined();
    expect(refusal(unitIntervalField('must be a pair of numbers in [0, 1)'), 1)).toBe('must be a pair of numbers in [0, 1)');
    expect(refusal(unitIntervalField(), -0.1)).toBe('must be in [0, 1)');
  });
  it('booleanField refuses 1 and "true"', () => {
    expect(refusal(booleanField(), false)).toBeUndefined();
    for (const bad of [1, 'true']) expect(refusal(booleanField(), bad)).toBe('must be a boolean');
  });
  it('lrScheduleField passes a schedule through and refuses a bad one with validateSchedule\'s message', () => {
    const poly = { kind: 'poly', maxSteps: 10, power: 0.9 };
    expect(lrScheduleField().parse(poly)).toEqual(poly);
    expect(refusal(lrScheduleField(), { kind: 'poly', maxSteps: 0, power: 0.9 })).toBe('LrSchedule: poly.maxSteps must be a positive integer; received {"kind":"poly","maxSteps":0,"power":0.9}');
  });
});

describe('parseConfig', () => {
  const schema = z.object({ n: positiveIntegerField().default(4), on: booleanField().default(true) }).strict();
  const refuse = (problems: ConfigProblem[]) => Object.assign(new Error('bad'), { problems });

  it('an absent input is {}: every default filled', () => {
    expect(parseConfig(schema, undefined, refuse)).toEqual({ n: 4, on: true });
  });
  it('throws refuse(problems): every problem, with its path, message, received value and the known keys', () => {
    let thrown: unknown;
    try {
      parseConfig(schema, { n: 0, on: 'yes', typo: 1 }, refuse, (path) => (path === '' ? ['n', 'on'] : undefined));
    } catch (e) {
      thrown = e;
    }
    expect((thrown as { problems: ConfigProblem[] }).problems).toEqual(
      expect.arrayContaining([
        { path: 'n', message: 'must be a positive integer', received: 0 },
        { path: 'on', message: 'must be a boolean', received: 'yes' },
        { path: 'typo', message: 'is not a known key (expected one of n, on)', received: 1 },
      ]),
    );
    expect((thrown as { problems: ConfigProblem[] }).problems).toHaveLength(3);
  });
});
