#!/usr/bin/env python3
"""PyTorch reference fixtures for @semadapt/segmenter's parity tests.

Builds the *original* definitions, randomly initialised with a seed, in eval
mode, at a small depth/width, and saves
  <out>/<arch>.pth                 the state dict with the upstream key names
                                   (DeepLab: BDL's init layout with the 'Scale.'
                                   prefix and layer5.conv2d_list; FCN8s: wkentaro
                                   pytorch-fcn / BDL names)
  <out>/<arch>-io.safetensors      'input' (NCHW) and 'output' (NCHW logits)
so the test can run tools/convert_pth_to_safetensors.py on the .pth, load the
result into our network, and compare our forward with PyTorch's.

  DeepLabV2: BDL / AdaptSegNet model/deeplab.py (ResNet bottleneck with the
    stride on the first 1x1 conv, dilation 2/4 in layer3/4, downsample only on
    the first block of a layer when stride != 1, channels change, or dilation
    is 2 or 4; maxpool 3/2/1 ceil_mode; Classifier_Module = sum of four
    3x3 convs, dilations 6/12/18/24, bias). Output at 1/8 (no upsampling).
    --aspp-branches 2 gives AdaptSegNet's released Classifier_Module instead,
    whose forward returns inside its summing loop: conv 0 + conv 1 only.
  FCN8s: wkentaro/pytorch-fcn FCN8sAtOnce (= BDL's VGG16_FCN8s): pad 100,
    fc6 7x7 / fc7 1x1 convs, pool4·0.01 and pool3·0.0001 scores, learned
    deconvolutions 4/2, 4/2, 16/8 without bias, crops 5, 9, 31. Eval mode
    (dropout off). Score layers get random weights here (upstream zero-inits
    them) so the test sees every path.

  /usr/bin/python3 tools/segmenter_torch_fixture.py --arch deeplabv2 --blocks 1,1,1,1 --width 0.0625 --size 41,49 OUTDIR
"""
import argparse, math, os, sys
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from convert_pth_to_safetensors import write_safetensors, scaled  # noqa: E402


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, dilation=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=dilation, bias=False, dilation=dilation)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        residual = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            residual = self.downsample(x)
        return self.relu(out + residual)


class Classifier_Module(nn.Module):
    def __init__(self, inplanes, dilation_series, padding_series, num_classes, summed=4):
        super().__init__()
        self.summed = summed
        self.conv2d_list = nn.ModuleList()
        for dilation, padding in zip(dilation_series, padding_series):
            self.conv2d_list.append(nn.Conv2d(inplanes, num_classes, 3, stride=1, padding=padding, dilation=dilation, bias=True))

    def forward(self, x):
        out = self.conv2d_list[0](x)
        for i in range(len(self.conv2d_list) - 1):
            out += self.conv2d_list[i + 1](x)
            if self.summed == 2:
                return out  # AdaptSegNet: the return sits inside the loop
        return out


class ResNetDeepLab(nn.Module):
    def __init__(self, blocks, width, num_classes, aspp_branches=4):
        super().__init__()
        w = lambda c: scaled(c, width)
        self.inplanes = w(64)
        self.conv1 = nn.Conv2d(3, w(64), 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(w(64))
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.layer1 = self._make_layer(w(64), blocks[0])
        self.layer2 = self._make_layer(w(128), blocks[1], stride=2)
        self.layer3 = self._make_layer(w(256), blocks[2], stride=1, dilation=2)
        self.layer4 = self._make_layer(w(512), blocks[3], stride=1, dilation=4)
        self.layer5 = Classifier_Module(w(512) * 4, [6, 12, 18, 24], [6, 12, 18, 24], num_classes, aspp_branches)

    def _make_layer(self, planes, blocks, stride=1, dilation=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * 4 or dilation == 2 or dilation == 4:
            downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes * 4, 1, stride=stride, bias=False), nn.BatchNorm2d(planes * 4))
        layers = [Bottleneck(self.inplanes, planes, stride, dilation=dilation, downsample=downsample)]
        self.inplanes = planes * 4
        for _ in range(1, blocks):
            layers.append(Bottleneck(self.inplanes, planes, dilation=dilation))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.layer5(x)


class FCN8sAtOnce(nn.Module):
    def __init__(self, width, n_class):
        super().__init__()
        w = lambda c: scaled(c, width)
        cfg = [(1, 2, 64), (2, 2, 128), (3, 3, 256), (4, 3, 512), (5, 3, 512)]
        cin = 3
        for stage, n, c in cfg:
            for i in range(n):
                pad = 100 if (stage, i) == (1, 0) else 1
                setattr(self, 'conv%d_%d' % (stage, i + 1), nn.Conv2d(cin, w(c), 3, padding=pad))
                cin = w(c)
        self.fc6 = nn.Conv2d(cin, w(4096), 7)
        self.fc7 = nn.Conv2d(w(4096), w(4096), 1)
        self.score_fr = nn.Conv2d(w(4096), n_class, 1)
        self.score_pool3 = nn.Conv2d(w(256), n_class, 1)
        self.score_pool4 = nn.Conv2d(w(512), n_class, 1)
        self.upscore2 = nn.ConvTranspose2d(n_class, n_class, 4, stride=2, bias=False)
        self.upscore8 = nn.ConvTranspose2d(n_class, n_class, 16, stride=8, bias=False)
        self.upscore_pool4 = nn.ConvTranspose2d(n_class, n_class, 4, stride=2, bias=False)
        self.cfg = cfg

    def forward(self, x):
        h = x
        pool = lambda t: nn.functional.max_pool2d(t, 2, stride=2, ceil_mode=True)
        feats = {}
        for stage, n, _ in self.cfg:
            for i in range(n):
                h = torch.relu(getattr(self, 'conv%d_%d' % (stage, i + 1))(h))
            h = pool(h)
            feats[stage] = h
        h = torch.relu(self.fc6(h))
        h = torch.relu(self.fc7(h))
        h = self.score_fr(h)
        upscore2 = self.upscore2(h)
        h = self.score_pool4(feats[4] * 0.01)
        h = h[:, :, 5:5 + upscore2.size()[2], 5:5 + upscore2.size()[3]]
        h = upscore2 + h
        upscore_pool4 = self.upscore_pool4(h)
        h = self.score_pool3(feats[3] * 0.0001)
        h = h[:, :, 9:9 + upscore_pool4.size()[2], 9:9 + upscore_pool4.size()[3]]
        h = upscore_pool4 + h
        h = self.upscore8(h)
        return h[:, :, 31:31 + x.size()[2], 31:31 + x.size()[3]].contiguous()


def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() > 1:  # conv weights: unit-variance outputs
                p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(p[0].numel()))
            elif name.endswith('weight'):  # BN scale around 1
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            else:  # biases
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
        for name, b in model.named_buffers():
            if name.endswith('running_mean'):
                b.copy_(torch.randn(b.shape, generator=g) * 0.1)
            elif name.endswith('running_var'):
                b.copy_(torch.rand(b.shape, generator=g) + 0.5)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--arch', choices=['deeplabv2', 'fcn8s'], required=True)
    ap.add_argument('--blocks', default='1,1,1,1')
    ap.add_argument('--width', type=float, default=0.0625)
    ap.add_argument('--classes', type=int, default=19)
    ap.add_argument('--size', default='41,49', help='input height,width')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--aspp-branches', type=int, default=4, choices=(2, 4), help="deeplabv2: 4 = BDL's Classifier_Module, 2 = AdaptSegNet's")
    ap.add_argument('--onnx', action='store_true', help='also export <arch>.onnx (weights under state-dict names)')
    ap.add_argument('--onnx-default', action='store_true', help="also export <arch>-default.onnx with torch.onnx.export's defaults (eval: BatchNorm folded into the convs)")
    ap.add_argument('--convert', default=None, help='also run convert_pth_to_safetensors.py on the .pth, writing here (one process)')
    ap.add_argument('out')
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    h, w = (int(v) for v in a.size.split(','))
    if a.arch == 'deeplabv2':
        model = ResNetDeepLab(tuple(int(b) for b in a.blocks.split(',')), a.width, a.classes, a.aspp_branches)
    else:
        model = FCN8sAtOnce(a.width, a.classes)
    randomize(model, a.seed)
    model.eval()
    x = torch.randn(1, 3, h, w, generator=torch.Generator().manual_seed(a.seed + 1)) * 50
    with torch.no_grad():
        y = model(x)
    state = model.state_dict()
    if a.arch == 'deeplabv2':
        state = {'Scale.' + k: v for k, v in state.items()}  # BDL's init file layout
    torch.save(state, os.path.join(a.out, a.arch + '.pth'))
    write_safetensors(os.path.join(a.out, a.arch + '-io.safetensors'), {'input': x, 'output': y}, {'arch': a.arch})
    if a.onnx:
        # Weights-only ONNX: training mode and no constant folding keep every
        # initializer under its state-dict name (eval export would fold BN into the convs).
        # Momentum 0 keeps the running statistics unchanged by the tracing forward.
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.momentum = 0.0
        torch.onnx.export(model, x, os.path.join(a.out, a.arch + '.onnx'), opset_version=17,
                          training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False,
                          input_names=['image'], output_names=['logits'])
        model.eval()
    if a.onnx_default:
        model.eval()
        torch.onnx.export(model, x, os.path.join(a.out, a.arch + '-default.onnx'), opset_version=17,
                          input_names=['image'], output_names=['logits'])
    print('fixture %s input %s output %s' % (a.arch, list(x.shape), list(y.shape)))
    if a.convert:
        import convert_pth_to_safetensors as conv
        sys.stdout.flush()
        extra = ['--aspp-branches', str(a.aspp_branches)] if a.arch == 'deeplabv2' else []
        code = conv.main(['--arch', a.arch, '--blocks', a.blocks, '--width', str(a.width), '--classes', str(a.classes)] + extra + [
                          os.path.join(a.out, a.arch + '.pth'), a.convert])
        if code:
            raise SystemExit(code)


if __name__ == '__main__':
    main()
