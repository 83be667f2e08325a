/**
 * A paper preset trains from BDL's initial weights: without the file,
 * train-source / train-oracle / adapt refuse before any work, saying how to
 * make it; `--from-scratch` trains from random weights on purpose.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PAPER_INIT_WEIGHTS } from '../config/presets';
import { configFromArgs } from './context';
import { withInitChecked } from './init-check';

describe('initial weights of the paper presets', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-init-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const argv = (preset: string, extra: Record<string, unknown> = {}) => ({ preset, runDir: path.join(dir, 'run'), data: { source: { root: dir }, target: { root: dir } }, ...extra });

  it.each([
    ['gta5→cityscapes/deeplabv2', 'deeplabv2'],
    ['synthia→cityscapes/fcn8s', 'fcn8s'],
  ] as const)('%s names %s init weights and refuses without the file, quoting the converter command', (preset, arch) => {
    expect(configFromArgs(argv(preset)).model.segmenter.init).toBe(PAPER_INIT_WEIGHTS[arch].file);
    let message = '';
    try {
      withInitChecked(argv(preset));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`model.segmenter.init: ${path.resolve(PAPER_INIT_WEIGHTS[arch].file)} not found (preset ${preset} starts from it)`);
    expect(message).toContain(`python3 tools/convert_pth_to_safetensors.py --arch ${arch} `);
    expect(message).toContain('--from-scratch');
    expect(fs.existsSync(path.join(dir, 'run'))).toBe(false);
  });

  it('--from-scratch resolves to init null (random weights on purpose) and passes', () => {
    const args = withInitChecked(argv('gta5→cityscapes/deeplabv2', { fromScratch: true }));
    expect(configFromArgs(args).model.segmenter.init).toBeNull();
  });

  it('an existing init file passes; another missing file is named with the generic converter hint', () => {
    const file = path.join(dir, 'mine.safetensors');
    expect(() => withInitChecked(argv('gta5→cityscapes/fcn8s', { model: { segmenter: { init: file } } }))).toThrow(/mine\.safetensors not found .*--arch fcn8s SRC\.pth/);
    fs.writeFileSync(file, '');
    expect(() => withInitChecked(argv('gta5→cityscapes/fcn8s', { model: { segmenter: { init: file } } }))).not.toThrow();
  });
});
