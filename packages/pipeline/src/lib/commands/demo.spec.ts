/**
 * The demo takes the same config inputs as every other command (a seed, a
 * config file, dotted overrides) on top of the `demo` preset, and always
 * runs on the generated data: checked through the real config resolution.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEMO_PRESET } from '../config/presets';
import { configFromArgs } from './context';
import { demoRunArgs } from './demo';

describe('demoRunArgs', () => {
  const roots = { source: '/data/demo/gta5', target: '/data/demo/cityscapes' };

  it('applies --seed, dotted overrides and a config file over the demo preset; the data roots stay the generated ones', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-demo-args-'));
    const file = path.join(dir, 'run.json');
    fs.writeFileSync(file, JSON.stringify({ optimization: { sourceSteps: 123 }, data: { source: { root: '/elsewhere' } } }));
    try {
      const argv = { seed: 7, config: file, optimization: { translatorSteps: 20 }, data: { resize: [32, 16] }, fresh: true };
      const c = configFromArgs(demoRunArgs(argv, 'runs/x', roots));
      expect(c.preset).toBe('demo');
      expect(c.optimization.seed).toBe(7);
      expect(c.optimization.translatorSteps).toBe(20);
      expect(c.optimization.sourceSteps).toBe(123);
      expect(c.data.resize).toEqual([32, 16]);
      expect([c.data.source.root, c.data.target.root]).toEqual([roots.source, roots.target]);
      // Untouched preset values stay.
      expect(c.optimization.segmenterSteps).toBe((DEMO_PRESET['optimization'] as { segmenterSteps: number }).segmenterSteps);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('unknown keys in an override fail before any work, as for every command', () => {
    expect(() => configFromArgs(demoRunArgs({ optimization: { translatorStep: 20 } }, 'runs/x', roots))).toThrow(/translatorStep/);
  });
});
