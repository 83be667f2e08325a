/**
 * Weight initializers with PyTorch's formulas (`torch.nn.init`), drawing from
 * the seeded `Rng` so a run is reproducible. Fans follow PyTorch for conv
 * filters: fanIn = kh·kw·in, fanOut = kh·kw·out (for both HWIO and HWOI the
 * caller passes the fans explicitly via `fansOf`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from './rng';

/** Nonlinearity used to compute the gain (PyTorch `calculate_gain`). */
export type Nonlinearity = 'linear' | 'relu' | 'leakyRelu' | 'tanh' | 'sigmoid';

/** An initializer, as data. Switch with an exhaustive `never` check. */
export type Initializer =
  /** Kaiming/He normal: N(0, (gain/√fan)²). Defaults: a=0, mode 'fanIn', nonlinearity 'leakyRelu' (gain √(2/(1+a²))). */
  | { kind: 'kaimingNormal'; a?: number; mode?: 'fanIn' | 'fanOut'; nonlinearity?: Nonlinearity }
  /** Kaiming/He uniform: U(±gain·√(3/fan)). PyTorch's conv default is `{a: √5}` (bound 1/√fanIn). */
  | { kind: 'kaimingUniform'; a?: number; mode?: 'fanIn' | 'fanOut'; nonlinearity?: Nonlinearity }
  /** Glorot normal: N(0, gain²·2/(fanIn+fanOut)). Default gain 1. */
  | { kind: 'xavierNormal'; gain?: number }
  /** Glorot uniform: U(±gain·√(6/(fanIn+fanOut))). Default gain 1. */
  | { kind: 'xavierUniform'; gain?: number }
  /** N(mean, std²). Defaults mean 0, std 1. */
  | { kind: 'normal'; mean?: number; std?: number }
  /** U(low, high). */
  | { kind: 'uniform'; low: number; high: number }
  /** Every element `value`. */
  | { kind: 'constant'; value: number };

/** PyTorch's conv weight default: kaiming_uniform with a = √5, i.e. U(±1/√fanIn). */
export const TORCH_CONV_WEIGHT_INIT: Initializer = { kind: 'kaimingUniform', a: Math.sqrt(5) };

/** Fans of a parameter. */
export interface Fans {
  fanIn: number;
  fanOut: number;
}

/** PyTorch `calculate_gain`. */
export function gain(nonlinearity: Nonlinearity, a = 0): number {
  switch (nonlinearity) {
    case 'linear':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu':
      return Math.sqrt(2 / (1 + a * a));
    default: {
      const never: never = nonlinearity;
      throw new Error(`gain: unknown nonlinearity ${JSON.stringify(never)}`);
    }
  }
}

/** Draw a tensor of `shape` from `init`. Deterministic given the Rng state. */
export function initialize(init: Initializer, shape: number[], fans: Fans, rng: Rng): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const fan = (mode: 'fanIn' | 'fanOut' | undefined): number => {
    const f = (mode ?? 'fanIn') === 'fanIn' ? fans.fanIn : fans.fanOut;
    if (!(f > 0)) throw new Error(`initialize: ${init.kind} needs a positive fan, received ${JSON.stringify(fans)}`);
    return f;
  };
  switch (init.kind) {
    case 'kaimingNormal': {
      const std = gain(init.nonlinearity ?? 'leakyRelu', init.a ?? 0) / Math.sqrt(fan(init.mode));
      return tf.tensor(rng.normalArray(n, 0, std), shape);
    }
    case 'kaimingUniform': {
      const bound = (gain(init.nonlinearity ?? 'leakyRelu', init.a ?? 0) * Math.sqrt(3)) / Math.sqrt(fan(init.mode));
      return tf.tensor(rng.uniformArray(n, -bound, bound), shape);
    }
    case 'xavierNormal': {
      const std = (init.gain ?? 1) * Math.sqrt(2 / (fans.fanIn + fans.fanOut));
      return tf.tensor(rng.normalArray(n, 0, std), shape);
    }
    case 'xavierUniform': {
      const bound = (init.gain ?? 1) * Math.sqrt(6 / (fans.fanIn + fans.fanOut));
      return tf.tensor(rng.uniformArray(n, -bound, bound), shape);
    }
    case 'normal':
      return tf.tensor(rng.normalArray(n, init.mean ?? 0, init.std ?? 1), shape);
    case 'uniform':
      if (!(init.high >= init.low)) throw new Error(`initialize: uniform needs low <= high, received ${JSON.stringify(init)}`);
      return tf.tensor(rng.uniformArray(n, init.low, init.high), shape);
    case 'constant':
      return tf.fill(shape, init.value);
    default: {
      const never: never = init;
      throw new Error(`initialize: unknown initializer ${JSON.stringify(never)}`);
    }
  }
}

/** Fans of a conv filter given as HWIO `[kh, kw, in, out]`. */
export function convFans(kh: number, kw: number, inChannels: number, outChannels: number): Fans {
  return { fanIn: kh * kw * inChannels, fanOut: kh * kw * outChannels };
}

/**
 * The seed of the stream a layer or network draws its initial weights from
 * when its options give none. Every such construction starts a new stream
 * from it — there is no process-wide stream — so nothing built before changes
 * a module's weights. A network hands one stream to all its layers; the
 * pipeline seeds each stage's networks from the stage's seed.
 */
export const DEFAULT_INIT_SEED = 0x5eed;

/** `rng`, else a new stream seeded {@link DEFAULT_INIT_SEED}. */
export function initRng(rng?: Rng): Rng {
  return rng ?? new Rng(DEFAULT_INIT_SEED);
}
