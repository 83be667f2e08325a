/**
 * Readable problems from a schema validator's issues (zod's `ZodError.issues`
 * have this shape), shared by the model packages' config validators so every
 * refusal reads the same: the dotted path of the field, what it must be, and
 * the value received.
 */

/** The part of a validator issue that is needed to describe it. */
export interface ConfigIssue {
  path: ReadonlyArray<string | number>;
  message: string;
  code?: string;
  /** Unknown keys (zod's `unrecognized_keys`). */
  keys?: readonly string[];
}

/** One problem of a config: where, what is wrong, what was received (undefined when absent). */
export interface ConfigProblem {
  path: string;
  message: string;
  received: unknown;
}

function valueAt(obj: unknown, path: ReadonlyArray<string | number>): unknown {
  let cur: unknown = obj;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

/**
 * The problems of `issues` against the `input` that was validated. An
 * unknown key becomes one problem per key, at its own path, listing the
 * `known` keys of its object when `known` gives them.
 */
export function configProblems(issues: readonly ConfigIssue[], input: unknown, known?: (path: string) => readonly string[] | undefined): ConfigProblem[] {
  return issues.flatMap((issue): ConfigProblem[] => {
    const where = issue.path.join('.');
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      const expected = known?.(where);
      return issue.keys.map((k) => ({
        path: where ? `${where}.${k}` : k,
        message: `is not a known key${expected ? ` (expected one of ${expected.join(', ')})` : ''}`,
        received: valueAt(input, [...issue.path, k]),
      }));
    }
    return [{ path: where || '(root)', message: issue.message, received: valueAt(input, issue.path) }];
  });
}

/** `'<path> <message>; received <JSON>'`, the received part left out when the field was absent. */
export function describeConfigProblem(p: ConfigProblem, separator = '; '): string {
  const got = p.received === undefined ? '' : `${separator}received ${JSON.stringify(p.received)}`;
  return `${p.path} ${p.message}${got}`;
}
