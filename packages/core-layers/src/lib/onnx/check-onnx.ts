/**
 * `onnx.checker.check_model(model, full_check=True)` through Debian's
 * python3-onnx, when installed (SPEC §7: exported models pass the checker).
 * Returns `{ ran: false }` when python3 or its onnx module is missing, so a
 * caller can say loudly what it skipped.
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/** Result of `checkOnnxModel`. */
export type OnnxCheckResult = { ran: false; reason: string } | { ran: true; ok: true } | { ran: true; ok: false; error: string };

const PYTHON = '/usr/bin/python3';
let available: boolean | undefined;

/** True when `/usr/bin/python3 -c "import onnx"` works (cached). */
export function onnxCheckerAvailable(): boolean {
  if (available === undefined) available = spawnSync(PYTHON, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;
  return available;
}

/** Run the full ONNX checker on `model` bytes. */
export function checkOnnxModel(model: Uint8Array): OnnxCheckResult {
  return checkOnnxModels({ model })['model'];
}

const CHECK_ALL = `
import json, sys, onnx
out = {}
for name, path in json.loads(sys.argv[1]).items():
    try:
        onnx.checker.check_model(onnx.load(path), full_check=True)
        out[name] = None
    except Exception as e:
        out[name] = str(e) or type(e).__name__
print(json.dumps(out))
`;

/** Check several models with one python process (cheaper than one spawn each); results by key. */
export function checkOnnxModels(models: Record<string, Uint8Array>): Record<string, OnnxCheckResult> {
  const names = Object.keys(models);
  if (!onnxCheckerAvailable()) {
    const reason = `${PYTHON} -c "import onnx" failed (install python3-onnx)`;
    return Object.fromEntries(names.map((n) => [n, { ran: false, reason }]));
  }
  const dir = mkdtempSync(join(tmpdir(), 'semadapt-onnx-'));
  try {
    const paths: Record<string, string> = {};
    names.forEach((n, i) => {
      paths[n] = join(dir, `model${i}.onnx`);
      writeFileSync(paths[n], models[n]);
    });
    const r = spawnSync(PYTHON, ['-c', CHECK_ALL, JSON.stringify(paths)], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`checkOnnxModels: python failed (exit ${r.status}): ${(r.stderr || '').trim()}`);
    const results = JSON.parse(r.stdout) as Record<string, string | null>;
    return Object.fromEntries(names.map((n) => [n, results[n] === null ? { ran: true, ok: true } : { ran: true, ok: false, error: String(results[n]) }]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
