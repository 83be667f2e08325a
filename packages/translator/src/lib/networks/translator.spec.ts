/**
 * The full-width translator against Appendix B: every conv's filter shape
 * (HWIO) row by row, the parameter count computed here from the table, and
 * the stage output shapes of a forward pass. The `spade` switch off removes
 * every SPADE parameter and the guidance input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setTestBackend, expectNoTensorLeak } from '@semadapt/core-layers/testing';
import { Translator } from './translator';

/** Appendix B rows: [kernel, in, out]; every conv has a bias. */
const ENCODER = [[7, 3, 64], [4, 64, 128], [4, 128, 256], ...Array.from({ length: 8 }, () => [3, 256, 256])];
const GENERATOR_CONVS = [...Array.from({ length: 8 }, () => [3, 256, 256]), [5, 256, 128], [5, 128, 64], [7, 64, 3]];
const DISCRIMINATOR = [[4, 3, 64], [4, 64, 128], [4, 128, 256], [4, 256, 512], [1, 512, 1]];
/** SPADE (SPEC §2): shared conv3 19→128, γ and β conv3 128→C; two per SPADE residual block. */
const SPADE_CONVS = (c: number, classes: number) => [[3, classes, 128], [3, 128, c], [3, 128, c]];
/** MUNIT LayerNorm: γ, β per channel, after the two conv5 layers. */
const LN_PARAMS = 2 * 128 + 2 * 64;

const convParams = (rows: number[][]) => rows.reduce((n, [k, i, o]) => n + k * k * i * o + o, 0);

describe('Translator, full width (Appendix B)', () => {
  let t: Translator;
  beforeAll(async () => {
    await setTestBackend('wasm');
    t = new Translator({ spade: true });
  });
  afterAll(() => t.dispose());

  it('encoder rows: conv7 3→64, conv4/s2 64→128, 128→256, 4 residual blocks (8 conv3 256→256), no norm parameters', () => {
    const weights = t.E_s.namedParameters().filter(([n]) => n.endsWith('.weight'));
    expect(weights.map(([, v]) => v.shape)).toEqual(ENCODER.map(([k, i, o]) => [k, k, i, o]));
    expect(weights.map(([n]) => n)).toEqual([
      'stem.conv.module.weight', 'down1.conv.module.weight', 'down2.conv.module.weight',
      ...[1, 2, 3, 4].flatMap((r) => [`res${r}.body.conv1.module.weight`, `res${r}.body.conv2.module.weight`]),
    ]);
    expect(t.E_s.parameterCount()).toBe(convParams(ENCODER));
  });

  it('generator rows: 4 SPADE residual blocks at 256, conv5 256→128 LN, conv5 128→64 LN, conv7 64→3', () => {
    const main = t.G_t.namedParameters().filter(([n]) => /(conv\d?\.module\.weight)$/.test(n) && !n.includes('norm'));
    expect(main.map(([, v]) => v.shape)).toEqual(GENERATOR_CONVS.map(([k, i, o]) => [k, k, i, o]));
    expect(main.slice(-3).map(([n]) => n)).toEqual(['up1.conv.module.weight', 'up2.conv.module.weight', 'toRgb.conv.module.weight']);
    const spade = t.G_t.namedParameters().filter(([n]) => /norm[12]\.(shared|gamma|beta)\.weight$/.test(n));
    expect(spade.map(([, v]) => v.shape)).toEqual(Array.from({ length: 8 }, () => SPADE_CONVS(256, 19)).flat().map(([k, i, o]) => [k, k, i, o]));
    expect(t.G_t.parameterCount()).toBe(convParams(GENERATOR_CONVS) + 8 * convParams(SPADE_CONVS(256, 19)) + LN_PARAMS);
  });

  it('discriminator: 3 scales × (4 conv4/s2 3→64→128→256→512, conv1 512→1)', () => {
    const weights = t.D_t.namedParameters().filter(([n]) => n.endsWith('.weight'));
    expect(weights.map(([, v]) => v.shape)).toEqual([0, 1, 2].flatMap(() => DISCRIMINATOR.map(([k, i, o]) => [k, k, i, o])));
    expect(t.D_t.parameterCount()).toBe(3 * convParams(DISCRIMINATOR));
  });

  it('whole translator: 2 E + 2 G + 2 D; every conv spectrally normalized except SPADE branches', () => {
    const perDomain = convParams(ENCODER) + convParams(GENERATOR_CONVS) + 8 * convParams(SPADE_CONVS(256, 19)) + LN_PARAMS + 3 * convParams(DISCRIMINATOR);
    expect(t.parameterCount()).toBe(2 * perDomain);
    const sn = t.namedBuffers().filter(([n]) => n.endsWith('.u')).length;
    // Per domain: 11 encoder convs, 11 generator convs, 15 discriminator convs.
    expect(sn).toBe(2 * (11 + 11 + 15));
    expect(t.namedBuffers().some(([n]) => /norm[12]\.(shared|gamma|beta)\.u$/.test(n))).toBe(false);
  });

  it('stage shapes at 64×64 (forward): content [1,16,16,256], image [1,64,64,3], patches 4×4, 2×2, 1×1; at 512 the same arithmetic gives 128, 32/16/8', async () => {
    await expectNoTensorLeak(() => {
      tf.tidy(() => {
        const x = tf.randomUniform([1, 64, 64, 3], -1, 1) as tf.Tensor4D;
        const g = tf.randomNormal([1, 64, 64, 19]) as tf.Tensor4D;
        const c = t.E_s.forward(x);
        expect(c.shape).toEqual([1, 16, 16, 256]);
        const y = t.G_t.forward(c, g);
        expect(y.shape).toEqual([1, 64, 64, 3]);
        expect(t.D_t.forward(y).map((o) => o.shape)).toEqual([[1, 4, 4, 1], [1, 2, 2, 1], [1, 1, 1, 1]]);
      });
    });
    // Appendix B at 512×512: two stride-2 convs → 128; four per scale → 512/16, 256/16, 128/16.
    const down = (n: number, times: number) => Array.from({ length: times }).reduce<number>((h) => Math.floor((h + 2 - 4) / 2) + 1, n);
    expect(down(512, 2)).toBe(128);
    expect([512, 256, 128].map((n) => down(n, 4))).toEqual([32, 16, 8]);
  });
});

describe('Translator, spade switch', () => {
  beforeAll(async () => setTestBackend('wasm'));

  it('spade off: no SPADE parameters, plain IN residual blocks, no guidance input', () => {
    const on = new Translator({ widthMultiplier: 1 / 16, guidanceClasses: 13 });
    const off = new Translator({ widthMultiplier: 1 / 16, guidanceClasses: 13, spade: false });
    try {
      expect(on.G_s.namedParameters().some(([n]) => n.includes('norm1.shared'))).toBe(true);
      expect(off.namedParameters().some(([n]) => /shared|gamma\.weight|beta\.weight/.test(n))).toBe(false);
      // Difference = the SPADE convs of 2 generators × 4 blocks × 2 SPADEs (width 1/16: C=16, hidden 8).
      const spadeRows = [[3, 13, 8], [3, 8, 16], [3, 8, 16]];
      expect(on.parameterCount() - off.parameterCount()).toBe(2 * 8 * convParams(spadeRows));
      tf.tidy(() => {
        const x = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
        expect(off.translate(x, null).shape).toEqual([1, 16, 16, 3]);
        expect(() => off.translate(x, tf.zeros([1, 16, 16, 13]) as tf.Tensor4D)).toThrow(/spade is off.*received a tensor of shape \[1,16,16,13\]/);
        expect(() => on.translate(x, null)).toThrow(/spade is on, so guidance logits are required/);
        expect(() => on.translate(x, tf.zeros([1, 16, 16, 19]) as tf.Tensor4D)).toThrow(/13 channels, received shape \[1,16,16,19\]/);
      });
    } finally {
      on.dispose();
      off.dispose();
    }
  });
});
