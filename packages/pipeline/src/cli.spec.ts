/**
 * The CLI as a user meets it, in child processes: every command listed with
 * help, an invalid config refused before any work (exit 2, the path and the
 * value named), `data check` on generated trees (a clean one exits 0 with
 * issue 7's JSON, a broken one exits 1 naming the problem).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeGta5Fixture } from '@semadapt/data-core/testing';
import { runCli } from './testing/run-cli';

const COMMANDS = ['data check', 'config', 'train-source', 'train-oracle', 'train-translator', 'translate', 'pseudo-label', 'train-segmenter', 'merge', 'adapt', 'evaluate', 'import-weights', 'export-onnx', 'fid', 'is', 'report', 'demo'];

describe('semadapt CLI', () => {
  it('--help lists every command of issue 9', () => {
    const r = runCli(['--help']);
    expect(r.status).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toContain(`semadapt ${c}`);
  });

  it('an unknown key and an impossible value fail before any work, exit 2, naming path and value', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-cli-'));
    const cfg = path.join(dir, 'run.json');
    fs.writeFileSync(cfg, JSON.stringify({ optimization: { sourceStep: 10, batchSize: 0 } }));
    const r = runCli(['train-source', '--preset', 'gta5→cityscapes/deeplabv2', '--config', cfg, '--run-dir', path.join(dir, 'run'), '--model.segmenter.pseudoLabel.delta', '2']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("optimization: unknown key(s) 'sourceStep'");
    expect(r.stderr).toMatch(/optimization\.batchSize: .*received 0/);
    expect(r.stderr).toMatch(/model\.segmenter\.pseudoLabel\.delta: .*received 2/);
    expect(fs.existsSync(path.join(dir, 'run'))).toBe(false);
    fs.rmSync(dir, { recursive: true });
  });

  it('data check gta5: clean tree → exit 0 and the JSON summary; truncated label → exit 1 naming the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-check-'));
    const good = writeGta5Fixture(path.join(dir, 'good'), { count: 3, ids: [7, 8, 26, 0] });
    const r = runCli(['data', 'check', 'gta5', good.root, '--json']);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.dataset).toBe('gta5');
    expect(j.problems).toEqual([]);
    // 16×8 pixels × 3 images, ids cycle 7 8 26 0 → road, sidewalk, car, ignored each a quarter.
    expect(j.trainIdPixels[0]).toBe(96);
    expect(j.trainIdPixels[1]).toBe(96);
    expect(j.trainIdPixels[13]).toBe(96);
    expect(j.ignoredPixels).toBe(96);
    const bad = writeGta5Fixture(path.join(dir, 'bad'), { count: 3, broken: ['truncated-label'] });
    const rb = runCli(['data', 'check', 'gta5', bad.root]);
    expect(rb.status).toBe(1);
    expect(rb.stdout).toContain(path.basename(bad.broken[0].path));
    fs.rmSync(dir, { recursive: true });
  });
});
