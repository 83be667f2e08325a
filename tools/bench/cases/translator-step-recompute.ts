/**
 * translator-step-recompute: translator-step with `recomputeActivations` —
 * each encoder/generator stage's activations are recomputed in the backward
 * pass instead of kept (core-layers `recomputed`). Compare its peak RSS (and
 * time) with translator-step's and PyTorch's at --size 256.
 */
import { translatorStepCase } from './translator-step';

export default translatorStepCase('translator-step-recompute', true);
