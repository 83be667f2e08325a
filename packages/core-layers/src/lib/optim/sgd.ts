import * as tf from '@tensorflow/tfjs-core';
import { fusedSgdUpdate } from '@semadapt/compute';
import { Optimizer, OptimizerOptions, ParameterSource } from './optimizer';

/** Options of `Sgd` (on top of `lr`, `schedule`, `weightDecay`). */
export interface SgdOptions extends OptimizerOptions {
  /** Momentum factor μ. Default 0 (plain SGD). SPEC §3 (DeepLabV2): 0.9. */
  momentum?: number;
  /** Nesterov momentum (PyTorch's formulation). Default false. */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent with momentum, as `torch.optim.SGD` with
 * dampening 0 (the only dampening supported; it is what DeepLab/BDL use):
 *
 *     g ← g + weightDecay·p
 *     b ← μ·b + g                (b starts at 0, so the first b is g, as in PyTorch)
 *     d ← nesterov ? g + μ·b : b
 *     p ← p − lr·d
 *
 * with `lr = base · schedule(step) · lrMultiplier` (SPEC §3: DeepLabV2 lr
 * 2.5e-4, classifier ×10, momentum 0.9, weight decay 5e-4, poly 0.9).
 *
 * State: `step`, and `momentum_buffer.<p>` when momentum > 0.
 */
export class Sgd extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(params: ParameterSource, options: SgdOptions) {
    const momentum = options.momentum ?? 0;
    if (!(momentum >= 0 && momentum < 1)) throw new Error(`Sgd: momentum must lie in [0, 1); received ${options.momentum}`);
    if (options.nesterov && momentum === 0) throw new Error('Sgd: nesterov needs momentum > 0; received momentum 0');
    super(params, options, momentum > 0 ? ['momentum_buffer'] : []);
    this.momentum = momentum;
    this.nesterov = options.nesterov ?? false;
  }

  protected updateParameter(name: string, variable: tf.Variable, grad: tf.Tensor, lr: number, weightDecay: number): void {
    // One kernel on every backend (compute registers a loop, native code or a composition of ops);
    // inPlace: the results are assigned back below, so the native backend may write them into
    // the variables' own arrays (only where no other tensor or caller can see those arrays).
    const b = this.momentum > 0 ? this.slot('momentum_buffer', name) : null;
    const [p1, b1] = fusedSgdUpdate(variable, grad, b, { lr, momentum: this.momentum, nesterov: this.nesterov, weightDecay, inPlace: true });
    variable.assign(p1);
    if (b) b.assign(b1);
  }
}
