/** The Module tree: names, registration rules, modes, freezing, disposal. */
import * as tf from '@tensorflow/tfjs-core';
import { setTestBackend } from '../../testing';
import { Module } from './module';

class Leaf extends Module {
  readonly w: tf.Variable;
  constructor(n: number) {
    super();
    this.w = this.registerParameter('weight', tf.zeros([n]), { lrMultiplier: 10 });
    this.registerBuffer('running_mean', tf.zeros([n]));
  }
}

class Tree extends Module {
  constructor() {
    super();
    this.registerModule('down1', new Leaf(2));
    this.registerModule('0', new Leaf(3));
    this.registerParameter('scale', tf.ones([1]), { weightDecay: false });
  }
  add(name: string): void {
    this.registerModule(name, new Leaf(1));
  }
}

beforeAll(async () => {
  await setTestBackend('cpu');
});

describe('Module', () => {
  it('dotted names, own parameters first, then children in registration order', () => {
    const t = new Tree();
    expect(t.namedParameters().map(([n]) => n)).toEqual(['scale', 'down1.weight', '0.weight']);
    expect(t.namedBuffers().map(([n]) => n)).toEqual(['down1.running_mean', '0.running_mean']);
    expect([...t.stateDict().keys()]).toEqual(['scale', 'down1.weight', '0.weight', 'down1.running_mean', '0.running_mean']);
    expect(t.namedModules().map(([n]) => n)).toEqual(['', 'down1', '0']);
    expect(t.parameterCount()).toBe(1 + 2 + 3);
    const entries = Object.fromEntries(t.namedParameterEntries());
    expect(entries['down1.weight'].lrMultiplier).toBe(10);
    expect(entries['scale'].weightDecay).toBe(false);
    t.dispose();
  });

  it('refuses duplicate and invalid names, quoting them', () => {
    const t = new Tree();
    expect(() => t.add('down1')).toThrow(/'down1' is already registered on Tree/);
    expect(() => t.add('a.b')).toThrow(/invalid member name 'a.b'/);
    expect(() => t.add('1x')).toThrow(/invalid member name '1x'/);
    t.dispose();
  });

  it('train/eval and freeze propagate; frozen subtrees have no trainable parameters', () => {
    const t = new Tree();
    t.eval();
    expect(t.namedModules().every(([, m]) => !m.training)).toBe(true);
    t.train();
    expect(t.namedModules().every(([, m]) => m.training)).toBe(true);
    (t.namedChildren()[0][1] as Leaf).freeze();
    expect(t.trainableParameterEntries().map(([n]) => n)).toEqual(['scale', '0.weight']);
    t.unfreeze();
    expect(t.trainableParameterEntries().map(([n]) => n)).toEqual(['scale', 'down1.weight', '0.weight']);
    t.freeze();
    expect(t.trainableParameterEntries()).toEqual([]);
    t.dispose();
  });

  it('dispose releases every variable', () => {
    const before = tf.memory().numTensors;
    const t = new Tree();
    expect(tf.memory().numTensors).toBe(before + 5);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
