/**
 * Nx's cache key of a test run covers what changes its result beyond the
 * sources (issue 19 §9): the SEMADAPT_* switches and the built native addon
 * (git-ignored, so hashed by tools/nx/addon-fingerprint.js). Proven on the
 * smallest project: the same test target with SEMADAPT_NATIVE changed is not
 * a cache hit; repeated unchanged, it is. The addon has an Nx target.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');

// Three nx runs of a test target (each a Jest run) on a shared 2-core machine.
jest.setTimeout(600_000);

function nx(args: string[], env: Record<string, string>): string {
  const r = spawnSync('npx', ['nx', ...args, '--outputStyle=static'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false', ...env } });
  if (r.status !== 0) throw new Error(`nx ${args.join(' ')} failed: ${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
}

const HIT = /Nx read the output from the cache|existing outputs match the cache|\[local cache\]/;

describe('Nx cache inputs', () => {
  it('SEMADAPT_NATIVE changes the cache key of a test target; the same value hits the cache', () => {
    // A value no other run uses, so the first run cannot be a hit left by someone else.
    const fresh = `fresh-${process.pid}-${Date.now()}`;
    const first = nx(['test', '@semadapt/data-gta5'], { SEMADAPT_NATIVE: fresh });
    expect(first).not.toMatch(HIT);
    const again = nx(['test', '@semadapt/data-gta5'], { SEMADAPT_NATIVE: fresh });
    expect(again).toMatch(HIT);
    const changed = nx(['test', '@semadapt/data-gta5'], { SEMADAPT_NATIVE: `${fresh}-0` });
    expect(changed).not.toMatch(HIT);
  });

  it('the native addon is an Nx target (build-native) with its sources as inputs; tests hash the built addon', () => {
    const json = nx(['show', 'project', '@semadapt/compute', '--json'], {});
    const line = json.split('\n').find((l) => l.startsWith('{'));
    if (!line) throw new Error(`no JSON in: ${json}`);
    const targets = JSON.parse(line).targets as Record<string, { inputs?: unknown[]; outputs?: string[]; options?: { script?: string } }>;
    expect(targets['build-native'].options?.script).toBe('build-native');
    expect(targets['build-native'].inputs).toContain('{projectRoot}/native/src/**/*');
    expect(targets['build-native'].outputs).toEqual(['{projectRoot}/native/build']);
    expect(targets['test'].inputs).toContain('runtimeEnv');
    const nxJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'nx.json'), 'utf8')) as { namedInputs: Record<string, unknown[]> };
    expect(nxJson.namedInputs['runtimeEnv']).toContainEqual({ runtime: 'node tools/nx/addon-fingerprint.js' });
    expect(nxJson.namedInputs['runtimeEnv']).toContainEqual({ env: 'SEMADAPT_NATIVE' });
  });
});

describe('GitHub workflow', () => {
  it('pull requests run .ci/run (tools/ checks and the native-off pass included), not only nx affected', () => {
    const yml = fs.readFileSync(path.join(ROOT, '.github', 'workflows', 'ci.yml'), 'utf8');
    // The job that runs .ci/run has no event condition, so it runs for pull requests too.
    const jobs = yml.split(/\n {2}(?=[a-z-]+:\n)/).slice(1);
    const full = jobs.find((j) => /run: bash \.ci\/run/.test(j));
    expect(full).toBeDefined();
    expect(full).not.toMatch(/\n\s+if:/);
    expect(yml).toMatch(/on:\n\s+pull_request:/);
  });
});
