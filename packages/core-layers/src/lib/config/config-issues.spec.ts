/** Config helpers shared by the model packages: channel scaling and readable validator problems. */
import { configProblems, describeConfigProblem } from './config-issues';
import { scaledChannels } from './scaled-channels';

describe('scaledChannels', () => {
  it('c·w rounded, at least 1 (64·1/16 = 4, 3·0.01 → 1, 2048·0.125 = 256)', () => {
    expect([64, 128, 256, 512].map((c) => scaledChannels(c, 1 / 16))).toEqual([4, 8, 16, 32]);
    expect(scaledChannels(3, 0.01)).toBe(1);
    expect(scaledChannels(2048, 0.125)).toBe(256);
    // Halves round up: tools/convert_pth_to_safetensors.py's floor(c·w + 0.5) gives 13 for 12.5.
    expect(scaledChannels(100, 0.125)).toBe(13);
  });
});

describe('configProblems', () => {
  const input = { a: { b: [1, -2] }, c: 'x', typo: 3 };
  it('names the dotted path and quotes the received value', () => {
    const p = configProblems([{ path: ['a', 'b', 1], message: 'must be ≥ 0', code: 'too_small' }], input);
    expect(p).toEqual([{ path: 'a.b.1', message: 'must be ≥ 0', received: -2 }]);
    expect(describeConfigProblem(p[0])).toBe('a.b.1 must be ≥ 0; received -2');
    expect(describeConfigProblem(p[0], ', ')).toBe('a.b.1 must be ≥ 0, received -2');
  });
  it('an unknown key is one problem per key, listing the known ones when given', () => {
    const p = configProblems([{ path: [], message: 'Unrecognized key(s)', code: 'unrecognized_keys', keys: ['typo'] }], input, (where) => (where === '' ? ['a', 'c'] : undefined));
    expect(p.map((x) => describeConfigProblem(x))).toEqual(['typo is not a known key (expected one of a, c); received 3']);
  });
  it('a missing field has no received part', () => {
    const p = configProblems([{ path: ['d'], message: 'is required' }], input);
    expect(describeConfigProblem(p[0])).toBe('d is required');
  });
});
