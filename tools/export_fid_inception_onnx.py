#!/usr/bin/env python3
"""Export the FID Inception network (pytorch-fid's `pt_inception-2015-12-05`) to ONNX.

The paper's FID and IS use the TensorFlow Inception graph of 2015-12-05 that
TTUR and pytorch-fid use ("FID Inception": InceptionV3 with 1008 classes and
a few TF quirks). This project cannot download its weights, so you run this
script with your own PyTorch on the weights file you fetched yourself:

  # on a machine with internet access:
  #   https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth
  python3 tools/export_fid_inception_onnx.py pt_inception-2015-12-05-6726825d.pth fid-inception.onnx

then `npx semadapt adapt ... --inception fid-inception.onnx` (or `semadapt fid` /
`semadapt is`, default `--normalization minusOneOne`). Needs torch (>= 1.13) and
onnx only: the network is defined here, with torchvision's module names so the
state dict loads strictly; torchvision and pytorch-fid are not needed.

The ONNX model: input `images` float32 [N, 3, 299, 299] in [-1, 1] (the
metrics package resizes and scales; pytorch-fid's `resize_input` and
`normalize_input` are therefore off), outputs `pool3` [N, 2048] (the FID
features: final average pool) and `logits` [N, 1008] (the fc layer on pool3,
for the Inception Score), dynamic N, opset 17.

The network (pytorch-fid's `fid_inception_v3`): torchvision's InceptionV3
layout (BasicConv2d = conv without bias + BatchNorm eps 0.001 + ReLU; no
auxiliary classifier; no input transform) with the FID patches: the average
pools inside Mixed_5b-5d, 6b-6e and 7b exclude the zero padding from the mean
(TensorFlow's), and Mixed_7c's pool branch is a 3x3 max pool.

`--random-weights` builds the same graph with random weights instead of a
file — only to test the export path (tools' tests do; the FID it gives means
nothing). `--check-io FILE` also writes a random input and PyTorch's outputs
(safetensors) so the ONNX model can be compared in onnxruntime.
"""
import argparse
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


class BasicConv2d(nn.Module):
    def __init__(self, cin, cout, **kw):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, bias=False, **kw)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


def tf_avg_pool(x):
    """3x3 average pool, stride 1, padding excluded from the mean (TensorFlow's; the FID patch)."""
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)


class MixedA(nn.Module):
    """Mixed_5b/5c/5d: 1x1 | 1x1-5x5 | 1x1-3x3-3x3 | pool-1x1."""

    def __init__(self, cin, pool_features):
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 64, kernel_size=1)
        self.branch5x5_1 = BasicConv2d(cin, 48, kernel_size=1)
        self.branch5x5_2 = BasicConv2d(48, 64, kernel_size=5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, padding=1)
        self.branch_pool = BasicConv2d(cin, pool_features, kernel_size=1)

    def forward(self, x):
        a = self.branch1x1(x)
        b = self.branch5x5_2(self.branch5x5_1(x))
        c = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        d = self.branch_pool(tf_avg_pool(x))
        return torch.cat([a, b, c, d], 1)


class MixedB(nn.Module):
    """Mixed_6a: grid reduction 35 -> 17."""

    def __init__(self, cin):
        super().__init__()
        self.branch3x3 = BasicConv2d(cin, 384, kernel_size=3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, stride=2)

    def forward(self, x):
        a = self.branch3x3(x)
        b = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([a, b, F.max_pool2d(x, kernel_size=3, stride=2)], 1)


class MixedC(nn.Module):
    """Mixed_6b-6e: factorised 7x7 branches."""

    def __init__(self, cin, c7):
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 192, kernel_size=1)
        self.branch7x7_1 = BasicConv2d(cin, c7, kernel_size=1)
        self.branch7x7_2 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(cin, c7, kernel_size=1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(cin, 192, kernel_size=1)

    def forward(self, x):
        a = self.branch1x1(x)
        b = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        c = self.branch7x7dbl_1(x)
        for layer in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            c = layer(c)
        d = self.branch_pool(tf_avg_pool(x))
        return torch.cat([a, b, c, d], 1)


class MixedD(nn.Module):
    """Mixed_7a: grid reduction 17 -> 8."""

    def __init__(self, cin):
        super().__init__()
        self.branch3x3_1 = BasicConv2d(cin, 192, kernel_size=1)
        self.branch3x3_2 = BasicConv2d(192, 320, kernel_size=3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(cin, 192, kernel_size=1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, kernel_size=3, stride=2)

    def forward(self, x):
        a = self.branch3x3_2(self.branch3x3_1(x))
        b = self.branch7x7x3_4(self.branch7x7x3_3(self.branch7x7x3_2(self.branch7x7x3_1(x))))
        return torch.cat([a, b, F.max_pool2d(x, kernel_size=3, stride=2)], 1)


class MixedE(nn.Module):
    """Mixed_7b (pool: TF average) and Mixed_7c (pool: max, the FID graph's quirk)."""

    def __init__(self, cin, max_pool):
        super().__init__()
        self.max_pool = max_pool
        self.branch1x1 = BasicConv2d(cin, 320, kernel_size=1)
        self.branch3x3_1 = BasicConv2d(cin, 384, kernel_size=1)
        self.branch3x3_2a = BasicConv2d(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(cin, 448, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, kernel_size=3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(cin, 192, kernel_size=1)

    def forward(self, x):
        a = self.branch1x1(x)
        b = self.branch3x3_1(x)
        b = torch.cat([self.branch3x3_2a(b), self.branch3x3_2b(b)], 1)
        c = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        c = torch.cat([self.branch3x3dbl_3a(c), self.branch3x3dbl_3b(c)], 1)
        pooled = F.max_pool2d(x, kernel_size=3, stride=1, padding=1) if self.max_pool else tf_avg_pool(x)
        return torch.cat([a, b, c, self.branch_pool(pooled)], 1)


class FidInception(nn.Module):
    """[-1, 1] images, N x 3 x 299 x 299 -> (pool3 N x 2048, logits N x 1008)."""

    def __init__(self):
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, kernel_size=3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, kernel_size=3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, kernel_size=3, padding=1)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, kernel_size=1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, kernel_size=3)
        self.Mixed_5b = MixedA(192, 32)
        self.Mixed_5c = MixedA(256, 64)
        self.Mixed_5d = MixedA(288, 64)
        self.Mixed_6a = MixedB(288)
        self.Mixed_6b = MixedC(768, 128)
        self.Mixed_6c = MixedC(768, 160)
        self.Mixed_6d = MixedC(768, 160)
        self.Mixed_6e = MixedC(768, 192)
        self.Mixed_7a = MixedD(768)
        self.Mixed_7b = MixedE(1280, max_pool=False)
        self.Mixed_7c = MixedE(2048, max_pool=True)
        self.fc = nn.Linear(2048, 1008)

    def forward(self, x):
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = F.max_pool2d(x, kernel_size=3, stride=2)
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))
        x = F.max_pool2d(x, kernel_size=3, stride=2)
        for name in ('Mixed_5b', 'Mixed_5c', 'Mixed_5d', 'Mixed_6a', 'Mixed_6b', 'Mixed_6c', 'Mixed_6d', 'Mixed_6e',
                     'Mixed_7a', 'Mixed_7b', 'Mixed_7c'):
            x = getattr(self, name)(x)
        pool3 = F.adaptive_avg_pool2d(x, (1, 1)).flatten(1)
        return pool3, self.fc(pool3)


def load_weights(model, file):
    state = torch.load(file, map_location='cpu', weights_only=True)
    if not isinstance(state, dict):
        raise SystemExit('export: %s does not hold a state dict' % file)
    # torchvision's state dict also has BatchNorm's num_batches_tracked counters.
    state = {k: v for k, v in state.items() if not k.endswith('num_batches_tracked')}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise SystemExit('export: %s is not the FID Inception state dict (missing %d, e.g. %s; unexpected %d, e.g. %s)'
                         % (file, len(missing), missing[:3], len(unexpected), unexpected[:3]))


def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith('conv.weight'):
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=g) * (2.0 / fan_in) ** 0.5)
            elif name.startswith('fc.'):
                p.copy_(torch.randn(p.shape, generator=g) * 0.01)
        for name, b in model.named_buffers():
            if name.endswith('running_var'):
                b.copy_(torch.rand(b.shape, generator=g) + 0.5)
            elif name.endswith('running_mean'):
                b.copy_(torch.randn(b.shape, generator=g) * 0.1)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('weights', nargs='?', help='pt_inception-2015-12-05-6726825d.pth (pytorch-fid FID weights)')
    ap.add_argument('out', help='ONNX file to write')
    ap.add_argument('--random-weights', type=int, metavar='SEED', default=None,
                    help='random weights instead of a file: tests the export path only (its FID means nothing)')
    ap.add_argument('--check-io', default=None, help='also write a random input and PyTorch outputs (safetensors) here')
    a = ap.parse_args(argv)
    if (a.weights is None) == (a.random_weights is None):
        ap.error('give the weights file, or --random-weights SEED (testing only)')
    model = FidInception()
    if a.weights:
        load_weights(model, a.weights)
    else:
        randomize(model, a.random_weights)
    model.eval()
    x = torch.rand(2, 3, 299, 299, generator=torch.Generator().manual_seed(1)) * 2 - 1
    tmp = a.out + '.tmp'
    with torch.no_grad():
        torch.onnx.export(model, x, tmp, opset_version=17, input_names=['images'], output_names=['pool3', 'logits'],
                          dynamic_axes={'images': {0: 'N'}, 'pool3': {0: 'N'}, 'logits': {0: 'N'}})
        pool3, logits = model(x)
    os.replace(tmp, a.out)
    if a.check_io:
        from convert_pth_to_safetensors import write_safetensors
        write_safetensors(a.check_io, {'images': x, 'pool3': pool3, 'logits': logits}, {'source': a.weights or 'random'})
    print('exported %s -> %s (pool3 %s, logits %s)' % (a.weights or 'random weights', a.out, list(pool3.shape), list(logits.shape)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
