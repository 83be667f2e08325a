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
  if (!onnxCheckerAvailable()) return { ran: false, reason: `${PYTHON} -c "import onnx" failed (install python3-onnx)` };
  const dir = mkdtempSync(join(tmpdir(), 'semadapt-onnx-'));
  try {
    const file = join(dir, 'model.onnx');
    writeFileSync(file, model);
    const r = spawnSync(PYTHON, ['-c', 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', file], { encoding: 'utf8' });
    return r.status === 0 ? { ran: true, ok: true } : { ran: true, ok: false, error: (r.stderr || r.stdout || `exit ${r.status}`).trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
