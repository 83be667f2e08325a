/**
 * Reverse-mode autodiff that frees memory while it walks the tape.
 *
 * tfjs-core 4.22's `Engine.gradients` (behind `tf.grads`, `tf.variableGrads`,
 * `optimizer.minimize`) keeps every tensor the forward pass saved for the
 * backward pass AND the gradient of every intermediate tensor until the whole
 * backward pass has finished (tape.ts `backpropagateGradients` never disposes
 * a `dy`; the saved tensors are disposed after the walk). Its peak is
 * therefore "all saved activations + all their gradients". Measured on a
 * DeepLabV2-ResNet101 step at 128×256: 830 MB of saved tensors plus 880 MB of
 * gradients held at once; at 512×1024 that is ≈ 16× more, past 16 GB.
 *
 * `eagerFreeGradients` computes exactly the same gradients (same nodes, same
 * order, same accumulation) but, once a tape node's gradient has been
 * computed, disposes its saved tensors and the gradients of its outputs —
 * nothing later in the reverse walk can use them (every consumer of a tensor
 * comes after it on the tape). Saved tensors of nodes that do not lie between
 * the xs and y are disposed before the walk. The peak becomes what PyTorch's
 * autograd holds: the saved tensors not yet reached plus the gradients in
 * flight.
 *
 * Nested use (a gradient taken while another tape records, `gradientDepth`
 * > 0: higher-order gradients) runs tfjs's own `gradients`, which shares the
 * outer tape; a gradient taken inside a backward pass (activation
 * recomputation, core-layers `recomputed`) has its own tape and is freed the
 * same way.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A tape node as tfjs-core's engine records it (tape.ts `TapeNode`). */
interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  gradient?: (dys: tf.Tensor[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

type GradientsFn = (f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean) => { value: tf.Tensor; grads: tf.Tensor[] };

/** The engine fields this module drives (public members of tfjs-core's `Engine`, untyped in its API). */
interface EngineInternals {
  state: { gradientDepth: number; activeTape: TapeNode[] | null };
  gradients: GradientsFn;
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(name: string, f: () => T): T;
}

function engine(): EngineInternals {
  return tf.engine() as unknown as EngineInternals;
}

/** The nodes on a path from any of `xs` to `y`, inputs pruned to those that depend on an x (tape.ts `getFilteredNodesXToY`). */
export function nodesBetween(tape: readonly TapeNode[], xs: readonly tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set<number>(xs.map((x) => x.id));
  const nodeFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => fromX.has(t.id))) {
      for (const o of node.outputs) fromX.add(o.id);
      nodeFromX.add(node.id);
    }
  }
  const leadsToY = new Set<number>([y.id]);
  const nodeToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.outputs.some((o) => leadsToY.has(o.id))) {
      for (const t of Object.values(node.inputs)) leadsToY.add(t.id);
      nodeToY.add(node.id);
    }
  }
  const filtered: TapeNode[] = [];
  for (const node of tape) {
    if (!nodeFromX.has(node.id) || !nodeToY.has(node.id)) continue;
    const inputs: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(node.inputs)) if (fromX.has(t.id)) inputs[name] = t;
    filtered.push({ ...node, inputs });
  }
  return filtered;
}

function disposeAll(tensors: readonly tf.Tensor[] | undefined): void {
  if (tensors) for (const t of tensors) t.dispose();
}

/** `Engine.gradients` with each node's saved tensors and output gradients freed as soon as the node is done. */
export function eagerFreeGradients(f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients = false): { value: tf.Tensor; grads: tf.Tensor[] } {
  const eng = engine();
  if (eng.state.gradientDepth > 0) return tfjsGradients.call(eng, f, xs, dy, allowNoGradients);
  if (xs.length === 0) throw new Error('gradients() received an empty list of xs.');
  if (dy != null && dy.dtype !== 'float32') throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
  const y = eng.scopedRun(
    () => eng.startTape(),
    () => eng.endTape(),
    () => eng.tidy('forward', f),
  );
  if (!(y instanceof tf.Tensor)) throw new Error('The result y returned by f() must be a tensor.');
  const tape = eng.state.activeTape ?? [];
  const filtered = nodesBetween(tape, xs, y);
  if (!allowNoGradients && filtered.length === 0 && xs.length > 0) {
    throw new Error('Cannot compute gradient of y=f(x) with respect to x. Make sure that the f you passed encloses all operations that lead from x to y.');
  }
  // Saved tensors of nodes the walk never visits are not needed at all.
  const visited = new Set(filtered.map((n) => n.id));
  for (const node of tape) if (!visited.has(node.id)) disposeAll(node.saved);
  const keepIds = new Set<number>([y.id, ...xs.map((x) => x.id)]);
  try {
    return eng.tidy('backward', () => {
      const grad = new Map<number, tf.Tensor>();
      grad.set(y.id, dy ?? tf.ones(y.shape));
      for (let i = filtered.length - 1; i >= 0; i--) {
        const node = filtered[i];
        const dys = node.outputs.map((o) => grad.get(o.id) ?? null) as tf.Tensor[];
        if (node.gradient == null) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
        const names = Object.keys(node.inputs);
        // One scope for the node: a custom gradient computes its results eagerly inside node.gradient, and
        // its temporaries (tfjs leaves them to the end of the whole pass) end here with the node's.
        const dxs = eng.tidy(node.kernelName, () => {
          const inputGradients = (node.gradient as NonNullable<TapeNode['gradient']>)(dys);
          return names.map((name) => {
            const thunk = inputGradients[name];
            if (!thunk) throw new Error(`Cannot backprop through input ${name}. Available gradients found: ${Object.keys(inputGradients)}.`);
            return thunk();
          });
        });
        const produced = new Set<tf.Tensor>();
        for (const [k, name] of names.entries()) {
          const dx = dxs[k];
          const x = node.inputs[name];
          if (dx.dtype !== 'float32') throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have 'float32' dtype, but has '${dx.dtype}'`);
          if (!tf.util.arraysEqual(dx.shape, x.shape)) {
            throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape '${dx.shape}', which does not match the shape of the input '${x.shape}'`);
          }
          const current = grad.get(x.id);
          if (current == null) {
            grad.set(x.id, dx);
            produced.add(dx);
          } else {
            const sum = tf.add(current, dx);
            grad.set(x.id, sum);
            produced.add(sum);
            current.dispose(); // as tfjs's walk does
            // dx may be one of this node's dys passed through (freed below with them) or another input's gradient.
            if (!produced.has(dx) && !dys.includes(dx)) dx.dispose();
          }
        }
        // This node is done: nothing earlier on the tape reads its outputs' gradients or its saved tensors.
        for (const o of node.outputs) {
          const g = grad.get(o.id);
          if (g == null || keepIds.has(o.id)) continue;
          grad.delete(o.id);
          if (!produced.has(g)) g.dispose();
        }
        disposeAll(node.saved);
      }
      return { value: y, grads: xs.map((x) => grad.get(x.id) as tf.Tensor) };
    });
  } finally {
    for (const node of tape) disposeAll(node.saved);
    if (eng.state.activeTape === tape) eng.state.activeTape = null;
  }
}

let tfjsGradients: GradientsFn = engine().gradients;

/** Makes `eagerFreeGradients` the engine's `gradients` (every `tf.grads`, `variableGrads`, `minimize`). Idempotent. */
export function installEagerFreeGradients(): void {
  const eng = engine();
  if (eng.gradients === eagerFreeGradients) return;
  tfjsGradients = eng.gradients;
  eng.gradients = eagerFreeGradients;
}

/** tfjs-core's own `gradients`, bound to the engine (the reference the specs compare against). */
export function stockGradients(f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients = false): { value: tf.Tensor; grads: tf.Tensor[] } {
  return tfjsGradients.call(engine(), f, xs, dy, allowNoGradients);
}
