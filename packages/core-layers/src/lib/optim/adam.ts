import * as tf from '@tensorflow/tfjs-core';
import { Optimizer, OptimizerOptions, ParameterSource } from './optimizer';
import { TensorSignature } from '../checkpoint/state-report';
import { fusedAdamUpdate } from '@semadapt/compute';

/** Options of `Adam` (on top of `lr`, `schedule`, `weightDecay`). */
export interface AdamOptions extends OptimizerOptions {
  /** Decay rates of the first and second moments. Default [0.9, 0.999]. SPEC §2: (0, 0.9) (R); §3: (0.9, 0.99). */
  betas?: [number, number];
  /** Added to the denominator. Default 1e-8 (PyTorch's). */
  eps?: number;
}

/**
 * Adam (Kingma & Ba 2015) exactly as `torch.optim.Adam` (non-amsgrad,
 * non-fused) computes it, per parameter with its own step count t:
 *
 *     g ← g + weightDecay·p                (L2 added to the gradient, not AdamW)
 *     m ← β1·m + (1−β1)·g                  v ← β2·v + (1−β2)·g²
 *     p ← p − (lr/(1−β1^t)) · m / (√v/√(1−β2^t) + eps)
 *
 * with `lr = base · schedule(step) · lrMultiplier`. SPEC §2 (translator, TTUR)
 * and §3 (FCN8s, discriminator) use it.
 *
 * State: `step`, `exp_avg.<p>`, `exp_avg_sq.<p>`, `step.<p>` (int32; a
 * parameter that received no gradient keeps its own count, as in PyTorch).
 */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private readonly paramSteps = new Map<string, number>();

  constructor(params: ParameterSource, options: AdamOptions) {
    super(params, options, ['exp_avg', 'exp_avg_sq']);
    const [beta1, beta2] = options.betas ?? [0.9, 0.999];
    for (const b of [beta1, beta2]) {
      if (!(b >= 0 && b < 1)) throw new Error(`Adam: betas must lie in [0, 1); received ${JSON.stringify(options.betas)}`);
    }
    const eps = options.eps ?? 1e-8;
    if (!(Number.isFinite(eps) && eps >= 0)) throw new Error(`Adam: eps must be a finite number ≥ 0; received ${options.eps}`);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    for (const name of this.parameterNames()) this.paramSteps.set(name, 0);
  }

  protected updateParameter(name: string, variable: tf.Variable, grad: tf.Tensor, lr: number, weightDecay: number): void {
    const t = (this.paramSteps.get(name) ?? 0) + 1;
    this.paramSteps.set(name, t);
    const m = this.slot('exp_avg', name);
    const v = this.slot('exp_avg_sq', name);
    const bias1 = 1 - Math.pow(this.beta1, t);
    const bias2Sqrt = Math.sqrt(1 - Math.pow(this.beta2, t));
    // One kernel on every backend (compute registers a loop, native code or a composition of ops);
    // inPlace: the results are assigned back below, so the native backend may write them into
    // the variables' own arrays (only where no other tensor or caller can see those arrays).
    const attrs = { beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay, stepSize: lr / bias1, bias2Sqrt, inPlace: true };
    const [p1, m1, v1] = fusedAdamUpdate(variable, grad, m, v, attrs);
    variable.assign(p1);
    m.assign(m1);
    v.assign(v1);
  }

  protected override extraState(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [name, t] of this.paramSteps) out.set(`step.${name}`, tf.scalar(t, 'int32'));
    return out;
  }

  protected override extraSignatures(): Map<string, TensorSignature> {
    const out = new Map<string, TensorSignature>();
    for (const name of this.paramSteps.keys()) out.set(`step.${name}`, { shape: [], dtype: 'int32' });
    return out;
  }

  protected override loadExtraState(state: ReadonlyMap<string, tf.Tensor>): void {
    for (const name of this.paramSteps.keys()) {
      const t = state.get(`step.${name}`);
      if (t) this.paramSteps.set(name, t.dataSync()[0]);
    }
  }
}
