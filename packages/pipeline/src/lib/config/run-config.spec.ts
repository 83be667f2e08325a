import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError, validateRunConfig } from './run-config';
import { overridesFromArgv, resolveConfig } from './load-config';
import { PRESET_NAMES, presetConfig } from './presets';

const minimal = { data: { source: { dataset: 'gta5', root: 'g' }, target: { dataset: 'cityscapes', root: 'c' } } };

function problems(raw: unknown): string[] {
  try {
    validateRunConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('run config', () => {
  it('fills SPEC defaults: 1024×512 resize, 512×512 translator crop, δ=0.9, batch 1', () => {
    const c = validateRunConfig(minimal);
    expect(c.data.resize).toEqual([1024, 512]);
    expect(c.data.translatorCrop).toEqual([512, 512]);
    expect(c.model.segmenter.pseudoLabel).toEqual({ kind: 'threshold', delta: 0.9 });
    expect(c.optimization.batchSize).toBe(1);
  });

  it('rejects unknown keys at every level, naming the path', () => {
    const p = problems({ ...minimal, optimisation: {}, logging: { colour: true }, model: { segmenter: { archh: 'x' } } });
    expect(p).toEqual(expect.arrayContaining([
      "(root): unknown key(s) 'optimisation'",
      "logging: unknown key(s) 'colour'",
      "model.segmenter: unknown key(s) 'archh'",
    ]));
  });

  it('rejects impossible values quoting what was received', () => {
    const p = problems({ ...minimal, optimization: { sourceSteps: -3, batchSize: 1.5 }, model: { segmenter: { pseudoLabel: { kind: 'threshold', delta: 1.7 } } } });
    expect(p.some((s) => s.startsWith('optimization.sourceSteps') && s.includes('received -3'))).toBe(true);
    expect(p.some((s) => s.startsWith('optimization.batchSize') && s.includes('received 1.5'))).toBe(true);
    expect(p.some((s) => s.startsWith('model.segmenter.pseudoLabel.delta') && s.includes('received 1.7'))).toBe(true);
  });

  it('rejects a crop larger than the resize and minRounds > maxRounds', () => {
    const p = problems({ ...minimal, data: { ...minimal.data, resize: [64, 32], translatorCrop: [64, 64] }, optimization: { minRounds: 3, maxRounds: 2 } });
    expect(p.some((s) => s.startsWith('data.translatorCrop') && s.includes('larger than resize'))).toBe(true);
    expect(p.some((s) => s.startsWith('optimization.minRounds'))).toBe(true);
  });

  it('presets: all four paper settings and the demo validate; synthia/deeplabv2 selects by mIoU13, synthia/fcn8s by mIoU16', () => {
    expect(PRESET_NAMES).toHaveLength(5);
    for (const name of PRESET_NAMES) expect(() => validateRunConfig(presetConfig(name))).not.toThrow();
    expect(validateRunConfig(presetConfig('synthia→cityscapes/deeplabv2')).optimization.selectBy).toBe('miou13');
    expect(validateRunConfig(presetConfig('synthia-to-cityscapes/fcn8s')).optimization.selectBy).toBe('miou16');
    expect(validateRunConfig(presetConfig('gta5->cityscapes/fcn8s')).model.segmenter.arch).toBe('fcn8s');
    expect(() => presetConfig('gta6→cityscapes')).toThrow(/unknown preset 'gta6→cityscapes'; expected one of/);
  });

  it('merges preset ← file ← flags, flags winning; JSON-looking flag strings are parsed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-cfg-'));
    const file = path.join(dir, 'run.json');
    fs.writeFileSync(file, JSON.stringify({ optimization: { sourceSteps: 10, segmenterSteps: 20 } }));
    const argv = { optimization: { segmenterSteps: 30 }, data: { resize: '[64,32]', 'translator-crop': 'x', translatorCrop: 'null' }, seed: 7 };
    const c = resolveConfig({ preset: 'gta5→cityscapes/fcn8s', configFile: file, overrides: overridesFromArgv(argv) });
    expect(c.optimization).toMatchObject({ sourceSteps: 10, segmenterSteps: 30, seed: 7 });
    expect(c.data.resize).toEqual([64, 32]);
    expect(c.data.translatorCrop).toBeNull();
    expect(c.model.segmenter.arch).toBe('fcn8s');
    expect(c.preset).toBe('gta5→cityscapes/fcn8s');
    fs.rmSync(dir, { recursive: true });
  });

  it('a flag that changes a tagged value\'s kind replaces it whole; the same kind merges field by field', () => {
    // The demo preset's pseudo-labels are { kind: 'class-median', cap: 0.9 }; 'cap' does not exist for 'threshold'.
    const switched = resolveConfig({ preset: 'demo', overrides: overridesFromArgv({ model: { segmenter: { pseudoLabel: '{"kind":"threshold","delta":0.95}' } } }) });
    expect(switched.model.segmenter.pseudoLabel).toEqual({ kind: 'threshold', delta: 0.95 });
    const tuned = resolveConfig({ preset: 'demo', overrides: overridesFromArgv({ model: { segmenter: { pseudoLabel: { cap: 0.8 } } } }) });
    expect(tuned.model.segmenter.pseudoLabel).toMatchObject({ kind: 'class-median', cap: 0.8 });
  });

  it('a missing or malformed config file is a ConfigError naming the file', () => {
    expect(() => resolveConfig({ configFile: '/nonexistent/run.json' })).toThrow(/file not found: \/nonexistent\/run.json/);
  });
});
