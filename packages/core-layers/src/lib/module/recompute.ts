/**
 * Activation recomputation ("gradient checkpointing": Chen et al. 2016,
 * "Training deep nets with sublinear memory cost"; `torch.utils.checkpoint`).
 *
 * `recomputed(block, inputs, parameters)` runs `block` forward without the
 * gradient tape keeping its intermediates: the tape holds one node whose
 * saved tensors are the block's inputs. When the backward pass reaches that
 * node, the block runs again, taped, and is differentiated with respect to
 * its inputs and `parameters`. A chain of recomputed blocks therefore peaks
 * at its boundaries plus one block's activations, for one extra forward of
 * every block.
 *
 * State that a training forward reads and then advances — spectral norm's
 * `u`, a dropout mask — goes through `replayable`: the first run records it,
 * the recomputation gets the recorded values back and `isRecomputing()` tells
 * the layer not to advance its state a second time. Both runs then compute
 * the same function, and the state advances once, as without recomputation.
 *
 * Outside a gradient computation (inference, eval) a recomputed block is
 * just called. A block inside another recomputed block is part of the outer
 * one (recomputed once, with it).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from './module';

/** Values recorded by `replayable` during one block's forward, in call order. */
interface StateLog {
  values: tf.Tensor[][];
  cursor: number;
  replaying: boolean;
}

let activeLog: StateLog | null = null;

/** What the engine exposes of its gradient state (public fields of tfjs-core's `Engine`, untyped in its API). */
interface EngineTapeState {
  state: { gradientDepth: number; kernelDepth: number; activeTape: unknown };
  gradients(f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean): { value: tf.Tensor; grads: Array<tf.Tensor | undefined> };
}

function engine(): EngineTapeState {
  return tf.engine() as unknown as EngineTapeState;
}

/** True when ops run now are recorded for a gradient (inside `tf.grads`/`variableGrads`, not inside a kernel). */
function tapeRecording(): boolean {
  const s = engine().state;
  return s.gradientDepth > 0 && s.kernelDepth === 0;
}

/** True while a recomputed block runs for the second time (its backward). Layers skip state updates then. */
export function isRecomputing(): boolean {
  return activeLog !== null && activeLog.replaying;
}

/**
 * State a forward draws on and advances (`draw` returns it, e.g. `[this.u]`).
 * Outside recomputed blocks: `draw()`. In a block's first run: `draw()`, with
 * a copy recorded. In its recomputation: the recorded copy, `draw` not called.
 * The caller must not dispose the result (the recorded copies belong to the block).
 */
export function replayable(draw: () => tf.Tensor[]): tf.Tensor[] {
  const log = activeLog;
  if (log === null) return draw();
  if (log.replaying) {
    const values = log.values[log.cursor++];
    if (!values) throw new Error('recomputed: the recomputation drew more replayable state than the first run (the block is not deterministic in its structure)');
    return values;
  }
  const values = draw().map((t) => tf.keep(t.clone()));
  log.values.push(values);
  return values;
}

function withLog<T>(log: StateLog, run: () => T): T {
  const outer = activeLog;
  activeLog = log;
  try {
    return run();
  } finally {
    activeLog = outer;
  }
}

/**
 * `block(...inputs)`, with its activations recomputed in the backward pass
 * instead of kept. `parameters` must list every variable the block uses that
 * may need a gradient (their gradients are computed from the recomputation);
 * `block` must be a function of `inputs`, `parameters` and `replayable` state only.
 */
export function recomputed<T extends tf.Tensor>(block: (...inputs: tf.Tensor[]) => T, inputs: readonly tf.Tensor[], parameters: readonly tf.Variable[]): T {
  if (activeLog !== null || !tapeRecording()) return block(...inputs);
  const log: StateLog = { values: [], cursor: 0, replaying: false };
  const nInputs = inputs.length;
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const value = withLog(log, () => block(...inputs));
    const recorded = log.values.flat();
    // The engine keeps clones of what is saved and disposes them once the backward pass is done.
    save([...inputs, ...recorded]);
    tf.dispose(recorded);
    const counts = log.values.map((v) => v.length);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const savedInputs = saved.slice(0, nInputs);
      let at = nInputs;
      const replay: StateLog = { values: counts.map((n) => saved.slice(at, (at += n))), cursor: 0, replaying: true };
      const xs = [...savedInputs, ...parameters];
      const eng = engine();
      // A gradient inside a backward pass: the engine's tape state belongs to the outer pass; restore it after.
      const outerTape = eng.state.activeTape;
      try {
        const { value: again, grads } = withLog(replay, () => eng.gradients(() => block(...savedInputs), xs, dy, true));
        again.dispose();
        return grads.map((g, i) => g ?? tf.zerosLike(xs[i]));
      } finally {
        eng.state.activeTape = outerTape;
      }
    };
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(...inputs, ...parameters) as T;
}

/** `forward(...inputs)` of `module`, recomputed with the module's trainable parameters when `on`, else plainly. */
export function recomputedIf<T extends tf.Tensor>(on: boolean, module: Module, forward: (...inputs: tf.Tensor[]) => T, inputs: readonly tf.Tensor[]): T {
  if (!on) return forward(...inputs);
  return recomputed(forward, inputs, module.trainableParameterEntries().map(([, p]) => p.variable));
}
