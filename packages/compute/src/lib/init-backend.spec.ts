/** initBackend: preference order, forcing, and the log that explains the choice. */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, parseBackendKind } from './init-backend';

/** Independent check: can this package be required on this machine? */
function loadable(name: string): boolean {
  try {
    require(name);
    return true;
  } catch {
    return false;
  }
}

describe('initBackend', () => {
  it('without SEMADAPT_BACKEND picks the best loadable backend and logs why better ones were skipped', async () => {
    const saved = process.env['SEMADAPT_BACKEND'];
    delete process.env['SEMADAPT_BACKEND'];
    try {
      const lines: string[] = [];
      const choice = await initBackend({ log: (m) => lines.push(m) });
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`backend: ${choice.kind}`);
      expect(tf.getBackend()).toBe(choice.tfBackend);
      // Independent expectation from what loads on this machine.
      const gpu = loadable('@tensorflow/tfjs-node-gpu');
      const node = loadable('@tensorflow/tfjs-node');
      const native = process.env['SEMADAPT_NATIVE'] !== '0' && loadable('@semadapt/onednn-kernels');
      const order = ['node-gpu', 'node', 'native', 'wasm'];
      const expected = gpu ? 'node-gpu' : node ? 'node' : native ? 'native' : 'wasm';
      expect(choice.kind).toBe(expected);
      expect(choice.skipped.map((s) => s.kind)).toEqual(order.slice(0, order.indexOf(expected)));
      for (const s of choice.skipped) {
        expect(s.reason).toMatch(/not installed|native addon|cannot|could not|\.node|SEMADAPT_NATIVE=0|unavailable/i);
        expect(lines[0]).toContain(`${s.kind}: ${s.reason}`);
      }
      if (expected === 'native') expect(lines[0]).toMatch(/kernels: oneDNN \d+\.\d+\.\d+ \S+, \d+ threads/);
    } finally {
      if (saved !== undefined) process.env['SEMADAPT_BACKEND'] = saved;
    }
  });

  it('SEMADAPT_BACKEND=cpu forces cpu', async () => {
    const saved = process.env['SEMADAPT_BACKEND'];
    process.env['SEMADAPT_BACKEND'] = 'cpu';
    try {
      const lines: string[] = [];
      const choice = await initBackend({ log: (m) => lines.push(m) });
      expect(choice).toEqual({ kind: 'cpu', tfBackend: 'cpu', skipped: [] });
      expect(tf.getBackend()).toBe('cpu');
      expect(lines[0]).toMatch(/forced by SEMADAPT_BACKEND/);
    } finally {
      if (saved === undefined) delete process.env['SEMADAPT_BACKEND'];
      else process.env['SEMADAPT_BACKEND'] = saved;
    }
  });

  it('SEMADAPT_BACKEND=native forces native where the addon loads, and says why not elsewhere', async () => {
    const saved = process.env['SEMADAPT_BACKEND'];
    process.env['SEMADAPT_BACKEND'] = 'native';
    try {
      const lines: string[] = [];
      if (process.env['SEMADAPT_NATIVE'] !== '0' && loadable('@semadapt/onednn-kernels')) {
        const choice = await initBackend({ log: (m) => lines.push(m) });
        expect(choice).toEqual({ kind: 'native', tfBackend: 'native', skipped: [] });
        expect(tf.getBackend()).toBe('native');
        expect(lines[0]).toMatch(/backend: native .*forced by SEMADAPT_BACKEND; kernels: oneDNN/);
      } else {
        await expect(initBackend({ log: (m) => lines.push(m) })).rejects.toThrow(/SEMADAPT_NATIVE=0|libdnnl-dev g\+\+ make, then `npm install`/);
      }
    } finally {
      if (saved === undefined) delete process.env['SEMADAPT_BACKEND'];
      else process.env['SEMADAPT_BACKEND'] = saved;
    }
  });

  it('the backend option wins and bad names throw, quoting the value', async () => {
    const choice = await initBackend({ backend: 'wasm', log: () => undefined });
    expect(choice.tfBackend).toBe('wasm');
    expect(() => parseBackendKind('webgl')).toThrow(/unknown backend 'webgl'/);
    expect(parseBackendKind('tfjs-node')).toBe('node');
    expect(parseBackendKind('native')).toBe('native');
  });
});
