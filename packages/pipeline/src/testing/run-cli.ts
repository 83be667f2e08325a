/**
 * Test helper: runs the `semadapt` CLI from its TypeScript sources in a
 * child process (see register-ts.js), as a user runs `dist/cli.js`.
 */
import { spawn, spawnSync, SpawnSyncReturns } from 'child_process';
import * as path from 'path';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');
const REGISTER = path.join(__dirname, 'register-ts.js');
const CLI = path.join(__dirname, '..', 'cli.ts');

/** Runs the CLI to completion. */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['-r', REGISTER, CLI, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 300_000,
  });
}

/** Starts the CLI; `onLine` sees every stdout/stderr line (to kill it at a chosen moment). */
export function startCli(args: string[], onLine: (line: string, kill: (signal?: NodeJS.Signals) => void) => void, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  const child = spawn(process.execPath, ['-r', REGISTER, CLI, ...args], { cwd: options.cwd ?? REPO_ROOT, env: { ...process.env, ...options.env } });
  let output = '';
  let buf = '';
  const kill = (signal: NodeJS.Signals = 'SIGKILL'): void => {
    child.kill(signal);
  };
  const feed = (chunk: Buffer): void => {
    const text = chunk.toString();
    output += text;
    buf += text;
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) onLine(l, kill);
  };
  child.stdout.on('data', feed);
  child.stderr.on('data', feed);
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, output })));
}
