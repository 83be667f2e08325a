/**
 * Renamed config keys keep working (issue 21: the segmenter's `width` is now
 * `widthMultiplier`, the translator's name for the same idea): in a config
 * file, on the command line and in a run directory's stored config.json — with
 * a notice naming where — and a trained run's setting never changes meaning.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEPRECATED_WIDTH } from '@semadapt/segmenter';
import { validatePackageSections } from '../commands/context';
import { resolveConfig } from './load-config';
import { presetConfig } from './presets';
import { RunConfig, validateRunConfig } from './run-config';
import { resolveRunDirConfig } from './run-dir-config';

const data = { source: { dataset: 'gta5', root: 'datasets/x' }, target: { dataset: 'cityscapes', root: 'datasets/y' } };

/** The demo config as the version before the rename stored it in a run's config.json: `network.width`. */
function oldDemoConfigJson(): Record<string, unknown> {
  const c = JSON.parse(JSON.stringify(validateRunConfig(presetConfig('demo')))) as RunConfig;
  const { widthMultiplier, ...rest } = c.model.segmenter.network as Record<string, unknown>;
  expect(widthMultiplier).toBe(0.125);
  return { ...c, model: { ...c.model, segmenter: { ...c.model.segmenter, network: { width: widthMultiplier, ...rest } } } };
}

describe("deprecated key model.segmenter.network.width", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deprecated-keys-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('in a config is read as widthMultiplier, with a notice naming where it was', () => {
    const notices: string[] = [];
    const c = validateRunConfig({ data, model: { segmenter: { network: { width: 0.125 } } } }, (m) => notices.push(m), 'run.json');
    expect(c.model.segmenter.network).toEqual({ widthMultiplier: 0.125 });
    expect(notices).toEqual([`run.json: model.segmenter.network: ${DEPRECATED_WIDTH}`]);
    expect(validatePackageSections(c).segmenter.network.widthMultiplier).toBe(0.125);
  });

  it("a run directory written before the rename resumes under its preset: nothing differs, the notice names its config.json", () => {
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify(oldDemoConfigJson()));
    const notices: string[] = [];
    const r = resolveRunDirConfig(dir, { preset: 'demo' }, { onDeprecated: (m) => notices.push(m) });
    expect(r.changes).toEqual([]);
    expect(r.config.model.segmenter.network['widthMultiplier']).toBe(0.125);
    expect(r.stored).toEqual(r.config);
    expect(notices).toEqual([`${file}: model.segmenter.network: ${DEPRECATED_WIDTH}`]);
  });

  it('the old flag still overrides a preset that uses the new name (later source wins)', () => {
    const notices: string[] = [];
    const c = resolveConfig({ preset: 'demo', overrides: { model: { segmenter: { network: { width: 0.25 } } } } }, (m) => notices.push(m));
    expect(c.model.segmenter.network['widthMultiplier']).toBe(0.25);
    expect('width' in c.model.segmenter.network).toBe(false);
    expect(notices).toEqual([`command line: model.segmenter.network: ${DEPRECATED_WIDTH}`]);
  });

  it("a trained run's width is not silently changed: another widthMultiplier on a later command is refused, naming the key and both values", () => {
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(oldDemoConfigJson()));
    expect(() => resolveRunDirConfig(dir, { overrides: { model: { segmenter: { network: { widthMultiplier: 0.25 } } } } })).toThrow(
      /model\.segmenter\.network\.widthMultiplier: the run has 0\.125, this command gives 0\.25/,
    );
    // The same value under the old name is no change.
    expect(resolveRunDirConfig(dir, { overrides: { model: { segmenter: { network: { width: 0.125 } } } } }).changes).toEqual([]);
  });

  it('both names in one source are refused by the segmenter package, naming the field', () => {
    const c = validateRunConfig({ data, model: { segmenter: { network: { width: 0.125, widthMultiplier: 0.25 } } } });
    expect(() => validatePackageSections(c)).toThrow(/model\.segmenter\.network: width and 'widthMultiplier' are the same setting; give only widthMultiplier, received 0\.125/);
  });
});
