/**
 * Every `npx semadapt …` command the READMEs write is a command the CLI
 * accepts as written (issue 19 §1, §8): each is parsed by the real CLI with
 * SEMADAPT_PARSE_ONLY=1 (strict flags, choices, positionals checked; nothing
 * run). Commands with placeholders (`<x>`, `[…]`, `…`, `|`) are skipped as
 * templates; the count of checked commands is asserted so the extraction
 * cannot silently find nothing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT, runCli } from './testing/run-cli';

jest.setTimeout(600_000);

const DOCS = ['README.md', 'datasets/README.md', ...fs.readdirSync(path.join(REPO_ROOT, 'packages')).map((p) => `packages/${p}/README.md`)].filter((f) => fs.existsSync(path.join(REPO_ROOT, f)));

/** Shell-like split that keeps quoted strings whole. */
function split(cmd: string): string[] {
  return (cmd.match(/'[^']*'|"[^"]*"|\S+/g) ?? []).map((t) => t.replace(/^['"]|['"]$/g, ''));
}

function docCommands(): { file: string; cmd: string }[] {
  const out: { file: string; cmd: string }[] = [];
  for (const file of DOCS) {
    const text = fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
    for (const m of text.matchAll(/npx semadapt ([^`\n#]*)/g)) {
      const cmd = m[1].trim().replace(/\s+\\$/, '');
      if (!cmd || /[<>[\]…|]/.test(cmd)) continue;
      out.push({ file, cmd });
    }
  }
  return out;
}

describe('commands in the READMEs', () => {
  const commands = docCommands();
  it('are found', () => {
    expect(commands.length).toBeGreaterThanOrEqual(15);
  });
  it('all parse in the real CLI', () => {
    const failures: string[] = [];
    for (const { file, cmd } of commands) {
      const r = runCli(split(cmd), { env: { SEMADAPT_PARSE_ONLY: '1' }, timeoutMs: 60_000 });
      if (r.status !== 0 || !/^parsed: |^semadapt /m.test(r.stdout)) failures.push(`${file}: npx semadapt ${cmd} → exit ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').slice(0, 3).join(' / ')}`);
    }
    expect(failures).toEqual([]);
  });
});
