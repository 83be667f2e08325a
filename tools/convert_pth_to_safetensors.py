#!/usr/bin/env python3
"""Convert a PyTorch segmenter state dict (.pth) to safetensors for @semadapt/segmenter.

The project never unpickles .pth files itself (a pickle can run code). You run
this script with your own Python and PyTorch (>= 1.13); it loads with
torch.load(weights_only=True), which refuses any pickle that holds more than
tensors and plain containers, so a crafted .pth cannot run code:

  python3 tools/convert_pth_to_safetensors.py --arch deeplabv2 \
      DeepLab_resnet_pretrained_init-f81d91e8.pth deeplabv2-init.safetensors
  python3 tools/convert_pth_to_safetensors.py --arch fcn8s vgg16-397923af.pth fcn8s-init.safetensors
  python3 tools/convert_pth_to_safetensors.py --arch deeplabv2 --aspp-branches 2 \
      adaptsegnet_single_level.pth adaptsegnet.safetensors   # an AdaptSegNet-trained (single-level) DeepLab

and load the result with `loadSegmenterSafetensors` (packages/segmenter), which
prints the same kind of report.

What it does
  * loads the state dict (a bare dict, or a checkpoint with 'state_dict' /
    'model'), strips the 'module.' (DataParallel) and 'Scale.' (BDL's
    DeepLab init) prefixes;
  * maps each key to our dotted parameter name (see `deeplab_key` / `fcn_key`):
      DeepLabV2 (BDL/AdaptSegNet `deeplab.py`): our names are BDL's
        (conv1, bn1, layerN.i.convK / bnK, layerN.i.downsample.0 / .1, BN
        running_mean / running_var) except the classifier:
        layer5.conv2d_list.k.* -> aspp.k.*;
        num_batches_tracked -> dropped (reported as ignored).
      FCN8s: torchvision VGG16 (features.N, classifier.0/3) or the FCN8s
        at-once definition (conv1_1 ... fc6, fc7, score_*, upscore*) of
        wkentaro/pytorch-fcn and BDL. VGG's classifier.0 (4096x25088) becomes
        fc6 (4096x512x7x7), classifier.3 becomes fc7 (1x1 conv).
  * converts layouts: Conv2d OIHW -> HWIO, ConvTranspose2d IOHW -> HWOI (the
    same axis permutation (2, 3, 1, 0)); 1-D tensors unchanged;
  * compares with the shapes our network expects for --blocks/--width/--classes
    and prints loaded / missing / unexpected / mis-shaped; only loaded tensors
    are written (mis-shaped ones, e.g. a 21-class VOC classifier in the
    DeepLab init, are left for our initializer, as BDL does);
  * writes float32 safetensors (8-byte little-endian header length, JSON
    header, raw data), no dependency beyond torch and numpy.

Exit code 0 on success (even with missing keys: a partial init is normal),
2 when nothing at all matched (wrong --arch?).
"""
import argparse
import json
import math
import re
import struct
import sys

BN_NAMES = ('weight', 'bias', 'running_mean', 'running_var')
RESNET_DEPTHS = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3)}
VGG_CFG = [(1, 2, 64), (2, 2, 128), (3, 3, 256), (4, 3, 512), (5, 3, 512)]
# torchvision vgg16 `features` indices of the 13 convs, in order.
VGG_FEATURE_CONVS = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28]


def scaled(c, width):
    """Channel count under a width multiplier (must agree with deeplab-v2.ts / fcn8s.ts)."""
    return max(1, int(math.floor(c * width + 0.5)))  # JS Math.round, not Python's half-even round


# ---------------------------------------------------------------- expected shapes (our layout)

def deeplab_expected(blocks, width, classes):
    out = {}
    stem = scaled(64, width)
    out['conv1.weight'] = [7, 7, 3, stem]
    for k in BN_NAMES:
        out['bn1.' + k] = [stem]
    cin = stem
    for li, (base, n, stride, dil) in enumerate(zip((64, 128, 256, 512), blocks, (1, 2, 1, 1), (1, 1, 2, 4))):
        p = scaled(base, width)
        for j in range(n):
            pre = 'layer%d.%d.' % (li + 1, j)
            out[pre + 'conv1.weight'] = [1, 1, cin, p]
            out[pre + 'conv2.weight'] = [3, 3, p, p]
            out[pre + 'conv3.weight'] = [1, 1, p, 4 * p]
            for bn, c in (('bn1', p), ('bn2', p), ('bn3', 4 * p)):
                for k in BN_NAMES:
                    out[pre + bn + '.' + k] = [c]
            if j == 0 and (stride != 1 or cin != 4 * p or dil in (2, 4)):
                out[pre + 'downsample.0.weight'] = [1, 1, cin, 4 * p]
                for k in BN_NAMES:
                    out[pre + 'downsample.1.' + k] = [4 * p]
            cin = 4 * p
    for b in range(4):
        out['aspp.%d.weight' % b] = [3, 3, cin, classes]
        out['aspp.%d.bias' % b] = [classes]
    return out


def fcn_expected(width, classes):
    out = {}
    cin = 3
    for stage, n, c in VGG_CFG:
        c = scaled(c, width)
        for i in range(n):
            name = 'conv%d_%d' % (stage, i + 1)
            out[name + '.weight'] = [3, 3, cin, c]
            out[name + '.bias'] = [c]
            cin = c
    f = scaled(4096, width)
    out['fc6.weight'] = [7, 7, cin, f]
    out['fc6.bias'] = [f]
    out['fc7.weight'] = [1, 1, f, f]
    out['fc7.bias'] = [f]
    for name, c in (('score_fr', f), ('score_pool4', scaled(512, width)), ('score_pool3', scaled(256, width))):
        out[name + '.weight'] = [1, 1, c, classes]
        out[name + '.bias'] = [classes]
    out['upscore2.weight'] = [4, 4, classes, classes]
    out['upscore_pool4.weight'] = [4, 4, classes, classes]
    out['upscore8.weight'] = [16, 16, classes, classes]
    return out


# ---------------------------------------------------------------- key maps

def strip_prefixes(key):
    for p in ('module.', 'Scale.'):
        if key.startswith(p):
            key = key[len(p):]
    return key


def deeplab_key(key):
    """Torch key -> our name, or None to drop (num_batches_tracked). Our names are
    BDL's except the classifier: layer5.conv2d_list.k -> aspp.k."""
    key = strip_prefixes(key)
    if key.endswith('num_batches_tracked'):
        return None
    m = re.match(r'^layer5\.conv2d_list\.(\d+)\.(weight|bias)$', key)
    if m:
        return 'aspp.%s.%s' % m.groups()
    return key


def fcn_key(key, tensor):
    """Torch key -> (our name, tensor reshaped to 4-D torch layout if needed), or (None, None)."""
    key = strip_prefixes(key)
    m = re.match(r'^features\.(\d+)\.(weight|bias)$', key)
    if m:
        idx, kind = int(m.group(1)), m.group(2)
        if idx not in VGG_FEATURE_CONVS:
            return key, tensor
        k = VGG_FEATURE_CONVS.index(idx)
        names = ['conv%d_%d' % (s, i + 1) for s, n, _ in VGG_CFG for i in range(n)]
        return '%s.%s' % (names[k], kind), tensor
    m = re.match(r'^classifier\.(0|3)\.(weight|bias)$', key)
    if m:
        layer = 'fc6' if m.group(1) == '0' else 'fc7'
        if m.group(2) == 'weight':
            t = tensor.reshape(tensor.shape[0], -1, 7, 7) if layer == 'fc6' else tensor.reshape(tensor.shape[0], tensor.shape[1], 1, 1)
            return layer + '.weight', t
        return layer + '.bias', tensor
    return key, tensor


# ---------------------------------------------------------------- layout + IO

def to_ours(tensor):
    """OIHW (conv) / IOHW (transposed conv) -> HWIO / HWOI: both are permute(2, 3, 1, 0)."""
    t = tensor.detach().float().cpu()
    if t.dim() == 4:
        t = t.permute(2, 3, 1, 0)
    return t.contiguous()


def write_safetensors(path, tensors, metadata):
    header = {'__metadata__': metadata}
    offset = 0
    blobs = []
    for name in sorted(tensors):
        data = tensors[name].numpy().astype('<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(tensors[name].shape), 'data_offsets': [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    raw = json.dumps(header, separators=(',', ':')).encode('utf-8')
    raw += b' ' * ((8 - len(raw) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def load_state_dict(path):
    import pickle
    import torch
    # weights_only=True: the unpickler accepts tensors, dicts, lists and plain values only, so a
    # crafted .pth cannot run code (torch >= 1.13). There is no fallback to a full unpickle.
    try:
        obj = torch.load(path, map_location='cpu', weights_only=True)
    except TypeError as e:
        if 'weights_only' in str(e):
            raise SystemExit('convert: torch %s cannot load %s safely (torch.load has no weights_only; need torch >= 1.13)'
                             % (torch.__version__, path))
        raise
    except pickle.UnpicklingError as e:
        raise SystemExit('convert: %s holds more than tensors and plain containers, refused (it could run code when '
                         'unpickled; only weights are loaded): %s' % (path, str(e).splitlines()[0] if str(e) else e))
    for k in ('state_dict', 'model', 'model_state_dict'):
        if isinstance(obj, dict) and k in obj and isinstance(obj[k], dict):
            obj = obj[k]
            break
    if not isinstance(obj, dict):
        raise SystemExit('convert: %s does not hold a state dict (got %s)' % (path, type(obj).__name__))
    return obj


def convert(state, arch, blocks, width, classes):
    expected = deeplab_expected(blocks, width, classes) if arch == 'deeplabv2' else fcn_expected(width, classes)
    out, report = {}, {'loaded': [], 'missing': [], 'unexpected': [], 'misShaped': [], 'ignored': []}
    for key, tensor in state.items():
        if not hasattr(tensor, 'dim'):
            report['ignored'].append(key)
            continue
        if arch == 'deeplabv2':
            name = deeplab_key(key)
        else:
            name, tensor = fcn_key(key, tensor)
        if name is None:
            report['ignored'].append(key)
            continue
        t = to_ours(tensor)
        if name not in expected:
            report['unexpected'].append('%s (from %s)' % (name, key) if name != key else name)
        elif list(t.shape) != expected[name]:
            report['misShaped'].append('%s expected %s found %s (from %s)' % (name, expected[name], list(t.shape), key))
        else:
            out[name] = t
            report['loaded'].append(name)
    report['missing'] = [n for n in expected if n not in out]
    return out, report


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--arch', choices=['deeplabv2', 'fcn8s'], required=True)
    ap.add_argument('--depth', type=int, default=101, choices=sorted(RESNET_DEPTHS), help='ResNet depth (deeplabv2)')
    ap.add_argument('--blocks', default=None, help='custom bottleneck counts, e.g. 1,1,1,1 (overrides --depth)')
    ap.add_argument('--width', type=float, default=1.0, help='width multiplier of our network (default 1)')
    ap.add_argument('--classes', type=int, default=19)
    ap.add_argument('--aspp-branches', type=int, default=4, choices=(2, 4),
                    help="deeplabv2: ASPP branches the trained network summed: 4 = BDL (default), "
                         "2 = AdaptSegNet's released deeplab.py (Classifier_Module.forward returns after two). "
                         "Recorded in the file; the loader refuses a network configured otherwise.")
    ap.add_argument('--json-report', default=None, help='also write the report as JSON here')
    ap.add_argument('src')
    ap.add_argument('dst')
    a = ap.parse_args(argv)
    blocks = tuple(int(b) for b in a.blocks.split(',')) if a.blocks else RESNET_DEPTHS[a.depth]
    state = load_state_dict(a.src)
    out, report = convert(state, a.arch, blocks, a.width, a.classes)
    meta = {'format': 'semadapt-segmenter', 'arch': a.arch, 'layout': 'HWIO', 'source': a.src,
            'blocks': ','.join(map(str, blocks)), 'width': str(a.width), 'classes': str(a.classes)}
    if a.arch == 'deeplabv2':
        meta['asppBranches'] = str(a.aspp_branches)
    write_safetensors(a.dst, out, meta)
    print('convert %s -> %s (%s)' % (a.src, a.dst, a.arch))
    for k in ('loaded', 'missing', 'unexpected', 'misShaped', 'ignored'):
        items = report[k]
        print('  %-10s %d' % (k, len(items)))
        if k not in ('loaded', 'ignored'):
            for it in items[:40]:
                print('      ' + it)
            if len(items) > 40:
                print('      ... and %d more' % (len(items) - 40))
    if a.json_report:
        with open(a.json_report, 'w') as f:
            json.dump(report, f, indent=1)
    return 0 if report['loaded'] else 2


if __name__ == '__main__':
    sys.exit(main())
