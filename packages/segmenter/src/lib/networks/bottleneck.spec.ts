/**
 * The Bottleneck block, whose forward folds each frozen BatchNorm into its
 * conv and fuses the ReLUs (convBatchNorm, addRelu), against two independent
 * references:
 * - the unfused block (conv → BatchNorm2d → ReLU, add, ReLU: tfjs's stock ops
 *   and gradients on the cpu backend), on every test backend — values and the
 *   gradients of x and every conv weight; also with batch statistics in
 *   training mode (the path that cannot fold);
 * - PyTorch (/usr/bin/python3): the same block as BDL's `Bottleneck` (stride on
 *   conv1, dilated conv2, frozen BN in eval mode), its output and autograd's
 *   gradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { Rng } from '@semadapt/core-layers';
import { lcgValues, relativeError, setTestBackend, testBackends } from '@semadapt/core-layers/testing';
import { Bottleneck } from './bottleneck';

const PYTHON = '/usr/bin/python3';
const torchAvailable = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

interface BlockCase {
  name: string;
  inChannels: number;
  planes: number;
  stride: number;
  dilation: number;
  x: [number, number, number, number];
}

const CASES: BlockCase[] = [
  { name: 'stride 2, projection', inChannels: 8, planes: 4, stride: 2, dilation: 1, x: [1, 9, 10, 8] },
  { name: 'dilation 2, projection', inChannels: 8, planes: 4, stride: 1, dilation: 2, x: [2, 7, 8, 8] },
  { name: 'identity shortcut', inChannels: 16, planes: 4, stride: 1, dilation: 1, x: [1, 6, 7, 16] },
];

/** A block with non-trivial BN statistics and affines (as ImageNet weights have). */
function makeBlock(c: BlockCase, batchNorm: 'frozen' | 'batch' = 'frozen'): Bottleneck {
  const block = new Bottleneck({ inChannels: c.inChannels, planes: c.planes, stride: c.stride, dilation: c.dilation, weightInit: { kind: 'normal', std: 0.3 }, rng: new Rng(5), batchNorm });
  let seed = 100;
  for (const bn of [block.bn1, block.bn2, block.bn3, ...(block.downsample ? [block.downsample.layers[1][1]] : [])] as Bottleneck['bn1'][]) {
    const n = bn.channels;
    bn.runningMean.assign(tf.tensor1d(lcgValues(n, seed++, 0.3)));
    bn.runningVar.assign(tf.tensor1d(Array.from(lcgValues(n, seed++), (v) => 0.6 + Math.abs(v))));
    (bn.weight as tf.Variable).assign(tf.tensor1d(Array.from(lcgValues(n, seed++), (v) => 1 + 0.4 * v)));
    (bn.bias as tf.Variable).assign(tf.tensor1d(lcgValues(n, seed++, 0.2)));
  }
  return block;
}

function convsOf(block: Bottleneck) {
  return [block.conv1, block.conv2, block.conv3, ...(block.downsample ? [block.downsample.layers[0][1]] : [])] as Bottleneck['conv1'][];
}

/** The block as separate ops (conv, BatchNorm2d, ReLU, add), as it was written before the fold. */
function unfused(block: Bottleneck, x: tf.Tensor4D): tf.Tensor4D {
  let h = tf.relu(block.bn1.forward(block.conv1.forward(x)));
  h = tf.relu(block.bn2.forward(block.conv2.forward(h)));
  h = block.bn3.forward(block.conv3.forward(h));
  const shortcut = block.downsample ? (block.downsample.forward(x) as tf.Tensor4D) : x;
  return tf.relu(tf.add(h, shortcut)) as tf.Tensor4D;
}

/** [y, dx, dconv…] of L = Σ r·f(x). */
function valuesAndGradients(c: BlockCase, block: Bottleneck, f: (x: tf.Tensor4D) => tf.Tensor4D): Float32Array[] {
  const out: Float32Array[] = [];
  tf.tidy(() => {
    const x = tf.tensor4d(lcgValues(c.x.reduce((a, b) => a * b, 1), 7, 2), c.x);
    const y = f(x);
    const r = tf.tensor(lcgValues(y.size, 8), y.shape);
    const convs = convsOf(block);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(f(x), r)) as tf.Scalar, convs.map((k) => k.weight));
    const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(f(xi as tf.Tensor4D), r)))(x);
    for (const t of [y, dx, ...convs.map((k) => grads[k.weight.name])]) out.push(Float32Array.from(t.dataSync()));
  });
  return out;
}

function expectClose(actual: Float32Array[], expected: Float32Array[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const err = relativeError(a, expected[i]);
    if (!(err <= tol)) throw new Error(`${i === 0 ? 'y' : i === 1 ? 'dx' : `dconv${i - 1}`}: relative error ${err} > ${tol}`);
  });
}

describe.each(testBackends())('Bottleneck (BN folded, ReLUs fused) on %s', (backend) => {
  it.each(CASES)('$name: y and the gradients of x and every conv equal the unfused block on cpu', async (c) => {
    await setTestBackend('cpu');
    const reference = makeBlock(c);
    const expected = valuesAndGradients(c, reference, (x) => unfused(reference, x));
    reference.dispose();
    await setTestBackend(backend);
    const block = makeBlock(c);
    const actual = valuesAndGradients(c, block, (x) => block.forward(x));
    block.dispose();
    expectClose(actual, expected, 1e-4);
  });

  it('batch statistics in training (no fold): the same as the unfused block', async () => {
    const c = CASES[1];
    await setTestBackend('cpu');
    const reference = makeBlock(c, 'batch');
    const expected = valuesAndGradients(c, reference, (x) => unfused(reference, x));
    reference.dispose();
    await setTestBackend(backend);
    const block = makeBlock(c, 'batch');
    const actual = valuesAndGradients(c, block, (x) => block.forward(x));
    block.dispose();
    expectClose(actual, expected, 1e-4);
  });
});

describe('Bottleneck against PyTorch', () => {
  it.each(CASES)('$name: y, dx and the conv gradients equal autograd’s (frozen BN, eval mode)', async (c) => {
    if (!torchAvailable) {
      console.warn('SKIPPED (loudly): Bottleneck PyTorch parity — /usr/bin/python3 with torch not found (tools/setup-system.sh --bench)');
      return;
    }
    await setTestBackend('cpu');
    const block = makeBlock(c);
    const actual = valuesAndGradients(c, block, (x) => block.forward(x));
    const bns = [block.bn1, block.bn2, block.bn3, ...(block.downsample ? [block.downsample.layers[1][1]] : [])] as Bottleneck['bn1'][];
    const payload = {
      case: c,
      x: Array.from(lcgValues(c.x.reduce((a, b) => a * b, 1), 7, 2)),
      r: Array.from(lcgValues(actual[0].length, 8)),
      convs: convsOf(block).map((k) => ({ shape: k.weight.shape, w: Array.from(k.weight.dataSync()) })),
      bns: bns.map((bn) => ({ mean: Array.from(bn.runningMean.dataSync()), var: Array.from(bn.runningVar.dataSync()), weight: Array.from((bn.weight as tf.Variable).dataSync()), bias: Array.from((bn.bias as tf.Variable).dataSync()) })),
    };
    block.dispose();
    const script = `
import json, sys, torch
torch.set_default_dtype(torch.float64)
p = json.load(sys.stdin); c = p['case']
x = torch.tensor(p['x']).reshape(c['x']).permute(0, 3, 1, 2).requires_grad_(True)
ws = [torch.tensor(k['w']).reshape(k['shape']).permute(3, 2, 0, 1).contiguous().requires_grad_(True) for k in p['convs']]
def bn(t, s):
    m = torch.nn.BatchNorm2d(t.shape[1], eps=1e-5).double().eval()
    m.running_mean.copy_(torch.tensor(s['mean'])); m.running_var.copy_(torch.tensor(s['var']))
    m.weight.data.copy_(torch.tensor(s['weight'])); m.bias.data.copy_(torch.tensor(s['bias']))
    m.weight.requires_grad_(False); m.bias.requires_grad_(False)
    return m(t)
F = torch.nn.functional
d = c['dilation']
h = F.relu(bn(F.conv2d(x, ws[0], stride=c['stride']), p['bns'][0]))
h = F.relu(bn(F.conv2d(h, ws[1], padding=d, dilation=d), p['bns'][1]))
h = bn(F.conv2d(h, ws[2]), p['bns'][2])
s = bn(F.conv2d(x, ws[3], stride=c['stride']), p['bns'][3]) if len(ws) > 3 else x
y = F.relu(h + s)
yn = y.permute(0, 2, 3, 1)
r = torch.tensor(p['r']).reshape(yn.shape)
(yn * r).sum().backward()
res = [yn.reshape(-1).tolist(), x.grad.permute(0, 2, 3, 1).reshape(-1).tolist()] + [w.grad.permute(2, 3, 1, 0).reshape(-1).tolist() for w in ws]
json.dump(res, sys.stdout)
`;
    const run = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(payload), encoding: 'utf8', maxBuffer: 1 << 28 });
    if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr}`);
    const expected = (JSON.parse(run.stdout) as number[][]).map((v) => Float32Array.from(v));
    expectClose(actual, expected, 1e-4);
  });
});
