/**
 * tools/convert_pth_to_safetensors.py unpickles a .pth someone downloaded. A
 * pickle can run code (`__reduce__`), so the converter loads with
 * `torch.load(weights_only=True)`: a crafted file is refused with its name and
 * its payload never runs, while a plain state dict still converts. Runs the
 * real script with /usr/bin/python3 and PyTorch.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.resolve(__dirname, '../convert_pth_to_safetensors.py');

const torchAvailable = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

function python(code: string): void {
  const r = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
}

describe('convert_pth_to_safetensors.py loads weights only', () => {
  let dir: string;
  beforeAll(() => {
    if (!torchAvailable) throw new Error(`${PYTHON} has no torch: install python3-torch (tools/setup-system.sh --bench)`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-pth-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a .pth whose pickle runs code is refused, naming the file, and the code does not run', () => {
    const marker = path.join(dir, 'pwned');
    const evil = path.join(dir, 'evil.pth');
    // A state dict holding one object whose unpickling calls os.system (the classic pickle payload).
    python(`
import os, torch
class Payload:
    def __reduce__(self):
        return (os.system, (${JSON.stringify(`touch ${marker}`)},))
torch.save({'conv1.weight': torch.zeros(4, 3, 7, 7), 'x': Payload()}, ${JSON.stringify(evil)})
`);
    const r = spawnSync(PYTHON, [SCRIPT, '--arch', 'fcn8s', evil, path.join(dir, 'out.safetensors')], { encoding: 'utf8' });
    expect(fs.existsSync(marker)).toBe(false);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(evil);
    expect(r.stderr).toMatch(/refused/);
    expect(fs.existsSync(path.join(dir, 'out.safetensors'))).toBe(false);
  });

  it('a plain state dict still converts (torchvision VGG16 names → FCN8s)', () => {
    const good = path.join(dir, 'good.pth');
    python(`
import torch, collections
sd = collections.OrderedDict()
sd['features.0.weight'] = torch.arange(4 * 3 * 3 * 3, dtype=torch.float32).reshape(4, 3, 3, 3)
sd['features.0.bias'] = torch.zeros(4)
torch.save(sd, ${JSON.stringify(good)})
`);
    const out = path.join(dir, 'good.safetensors');
    const r = spawnSync(PYTHON, [SCRIPT, '--arch', 'fcn8s', '--width', '0.0625', good, out], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // safetensors: 8-byte header length, then a JSON header naming the converted tensor.
    const bytes = fs.readFileSync(out);
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    expect(Object.keys(header)).toContain('conv1_1.weight');
    expect(header['conv1_1.weight'].shape).toEqual([3, 3, 3, 4]);
  });
});
