/**
 * The run-directory marker: what semadapt claims, what it refuses, and what
 * `--fresh` (clearRunDir) removes — only its own entries, never a user's file.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkRunDirClaimable, claimRunDir, clearRunDir, isSemadaptRunDir, NotARunDirError, RUN_MARKER } from './ownership';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-ownership-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (file: string, text = 'x'): void => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
};

describe('claimRunDir', () => {
  it('creates an absent folder and marks it; an empty folder is marked too', () => {
    const a = path.join(dir, 'a', 'b');
    claimRunDir(a);
    expect(isSemadaptRunDir(a)).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(a, RUN_MARKER), 'utf8')).semadapt).toBe('run-directory');
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    claimRunDir(empty);
    expect(isSemadaptRunDir(empty)).toBe(true);
  });

  it('refuses a non-empty folder without the marker, naming it and what it holds, and writes nothing', () => {
    const user = path.join(dir, 'user');
    write(path.join(user, 'metrics.jsonl'), 'mine');
    expect(() => claimRunDir(user)).toThrow(NotARunDirError);
    expect(() => claimRunDir(user)).toThrow(new RegExp(`${user}.*not a semadapt run directory.*metrics\\.jsonl`));
    expect(fs.readdirSync(user)).toEqual(['metrics.jsonl']);
    expect(() => checkRunDirClaimable(user)).toThrow(NotARunDirError);
    const file = path.join(dir, 'file');
    write(file);
    expect(() => claimRunDir(file)).toThrow(/not a directory/);
  });

  it('accepts a run directory made before the marker (config.json + manifest.json with its hash) and marks it', () => {
    const legacy = path.join(dir, 'legacy');
    write(path.join(legacy, 'config.json'), '{}');
    write(path.join(legacy, 'manifest.json'), JSON.stringify({ configHash: 'abc' }));
    expect(checkRunDirClaimable(legacy)).toBe('new');
    claimRunDir(legacy);
    expect(isSemadaptRunDir(legacy)).toBe(true);
    // A user's config.json alone is not a run directory.
    const lookalike = path.join(dir, 'lookalike');
    write(path.join(lookalike, 'config.json'), '{}');
    write(path.join(lookalike, 'manifest.json'), '{"name":"my app"}');
    expect(() => claimRunDir(lookalike)).toThrow(NotARunDirError);
  });
});

describe('clearRunDir (--fresh)', () => {
  it('removes what semadapt wrote and keeps the user’s files', () => {
    const run = path.join(dir, 'run');
    claimRunDir(run);
    for (const f of ['config.json', 'log.txt', 'metrics.jsonl', 'report.html', 'checkpoints/round0/train-source/latest/loop.json', 'stages/x.json', 'outputs/a/b.png', '.config.json.tmp-12-3']) write(path.join(run, f));
    write(path.join(run, 'my-notes.txt'), 'keep me');
    write(path.join(run, 'mine', 'data.csv'), 'keep me too');
    clearRunDir(run);
    expect(fs.readdirSync(run).sort()).toEqual(['mine', 'my-notes.txt']);
    expect(fs.readFileSync(path.join(run, 'my-notes.txt'), 'utf8')).toBe('keep me');
  });

  it('removes the folder itself when only semadapt’s entries were in it; an absent folder is fine', () => {
    const run = path.join(dir, 'run');
    claimRunDir(run);
    write(path.join(run, 'checkpoints', 'a', 'b'));
    clearRunDir(run);
    expect(fs.existsSync(run)).toBe(false);
    expect(() => clearRunDir(run)).not.toThrow();
  });

  it('refuses a folder without the marker and deletes nothing', () => {
    const user = path.join(dir, 'user');
    write(path.join(user, 'config.json'), 'my config');
    write(path.join(user, 'checkpoints', 'model.bin'), 'my model');
    expect(() => clearRunDir(user)).toThrow(/not a semadapt run directory/);
    expect(fs.readFileSync(path.join(user, 'checkpoints', 'model.bin'), 'utf8')).toBe('my model');
  });
});
