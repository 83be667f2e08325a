/**
 * Initial weights for the segmenters (issue 6, SPEC §3): the published inits
 * (BDL's DeepLabV2 `DeepLab_resnet_pretrained_init`, torchvision's VGG16) are
 * PyTorch pickles, which this project never unpickles. Two routes:
 *
 * 1. `tools/convert_pth_to_safetensors.py` (run with your own PyTorch) writes
 *    a safetensors file with our names and layouts; `loadSegmenterSafetensors`
 *    loads it and reports loaded / missing / unexpected / mis-shaped.
 * 2. An ONNX file whose initializers carry PyTorch state-dict names (e.g.
 *    `torch.onnx.export(..., do_constant_folding=False)`): `importSegmenterOnnx`
 *    maps them with `deeplabOnnxNameMap` / `fcn8sOnnxNameMap` through
 *    core-layers' `importOnnxWeights` and reports loaded / skipped /
 *    mis-shaped. (A VGG16 ONNX stores fc6/fc7 as Gemm matrices; they show as
 *    mis-shaped — use the converter, which reshapes them to convs.)
 */
import {
  compareSignatures,
  describeReport,
  importOnnxWeights,
  readSafetensors,
  safetensorToTf,
  assertFiniteTensors,
  type LoadReport,
  type Module,
  type TensorSignature,
  type WeightImportReport,
  type WeightMapping,
} from '@semadapt/core-layers';
import type { Segmenter } from '../networks/segmenter';
import { DeepLabV2 } from '../networks/deeplab-v2';

/** Options of `loadSegmenterSafetensors`. */
export interface LoadSegmenterOptions {
  /** Throw (changing nothing) unless every tensor matches exactly. Default false: a partial init (new classifier) is normal. */
  strict?: boolean;
}

/** A load report plus its printable form. */
export interface SegmenterLoadResult {
  report: LoadReport;
  /** Multi-line summary: counts, then every problem by name. */
  text: string;
  /** The file's `__metadata__` (arch, blocks, width written by the converter). */
  metadata: Record<string, string>;
}

function summarize(file: string, report: LoadReport): string {
  const head = `${file}: loaded ${report.loaded.length}, missing ${report.missing.length}, unexpected ${report.unexpected.length}, mis-shaped ${report.misShaped.length}, wrong dtype ${report.wrongDtype.length}`;
  const detail = describeReport(report);
  return detail ? `${head}\n${detail}` : head;
}

/**
 * Load a safetensors file written by `tools/convert_pth_to_safetensors.py`
 * (our dotted names, HWIO/HWOI layouts, float32) into `net`'s parameters and
 * buffers. Tensors that match by name, shape and dtype are assigned; the rest
 * are reported.
 */
export async function loadSegmenterSafetensors(file: string, net: Module, options: LoadSegmenterOptions = {}): Promise<SegmenterLoadResult> {
  const contents = await readSafetensors(file);
  checkAsppBranches(file, contents.metadata, net);
  const state = net.stateDict();
  const expected = new Map<string, TensorSignature>();
  for (const [name, v] of state) expected.set(name, { shape: v.shape.slice(), dtype: v.dtype });
  const found = new Map<string, TensorSignature>();
  for (const [name, t] of contents.tensors) {
    found.set(name, { shape: t.shape.slice(), dtype: t.dtype === 'F32' || t.dtype === 'F64' || t.dtype === 'F16' || t.dtype === 'BF16' ? 'float32' : 'int32' });
  }
  const report = compareSignatures(expected, found);
  const text = summarize(file, report);
  const clean = report.missing.length + report.unexpected.length + report.misShaped.length + report.wrongDtype.length === 0;
  if ((options.strict ?? false) && !clean) throw new Error(`loadSegmenterSafetensors: strict load failed\n${text}`);
  // NaN/Inf weights (a diverged run, a broken conversion) are refused with the file and tensors named.
  assertFiniteTensors(file, contents.tensors, report.loaded);
  for (const name of report.loaded) {
    const stored = contents.tensors.get(name);
    const target = state.get(name);
    if (!stored || !target) throw new Error(`loadSegmenterSafetensors: '${name}' vanished between comparison and load`);
    const t = safetensorToTf(stored, name, file);
    target.assign(t);
    t.dispose();
  }
  return { report, text, metadata: contents.metadata };
}

/**
 * A DeepLab file records how many ASPP branches the network it came from
 * summed (`--aspp-branches` of the converter: 4 BDL, 2 AdaptSegNet); the
 * same weights summed differently give other logits, so a mismatch is refused.
 */
function checkAsppBranches(file: string, metadata: Record<string, string>, net: Module): void {
  const recorded = metadata['asppBranches'];
  if (recorded === undefined || !(net instanceof DeepLabV2)) return;
  if (Number(recorded) !== net.aspp.summed) {
    throw new Error(
      `${file}: converted from a DeepLab that sums ${recorded} ASPP branches${recorded === '2' ? " (AdaptSegNet's deeplab.py)" : ''}, ` +
        `but this network sums ${net.aspp.summed}; set model.segmenter.network.asppBranches: ${recorded} (DeepLabV2 option asppBranches) to get the logits these weights were trained for`,
    );
  }
}

function stripTorchPrefixes(name: string): string {
  let n = name;
  for (const p of ['module.', 'Scale.']) if (n.startsWith(p)) n = n.slice(p.length);
  return n;
}

/**
 * ONNX initializer name (PyTorch state-dict name of BDL's DeepLab, with or
 * without `Scale.` / `module.`) → our name: identical except
 * `layer5.conv2d_list.k` → `aspp.k`; `num_batches_tracked` is skipped.
 */
export const deeplabOnnxNameMap = (onnxName: string): string | undefined => {
  const n = stripTorchPrefixes(onnxName);
  if (n.endsWith('num_batches_tracked')) return undefined;
  const m = /^layer5\.conv2d_list\.(\d+)\.(weight|bias)$/.exec(n);
  if (m) return `aspp.${m[1]}.${m[2]}`;
  return /^(conv1|bn1|layer[1-4])\./.test(n) ? n : undefined;
};

const VGG_FEATURE_CONVS = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28];
const VGG_CONV_NAMES = [1, 2, 3, 4, 5].flatMap((s) => Array.from({ length: s <= 2 ? 2 : 3 }, (_, i) => `conv${s}_${i + 1}`));

/**
 * ONNX initializer name → our FCN-8s name: FCN/BDL names map to themselves
 * (`upscore*` as transposed convs); torchvision VGG16 `features.N` → `convX_Y`,
 * `classifier.0/3` → `fc6/fc7` (mis-shaped as Gemm matrices, see above).
 */
export const fcn8sOnnxNameMap = (onnxName: string): string | { to: string; layout: 'convTranspose' } | undefined => {
  const n = stripTorchPrefixes(onnxName);
  const f = /^features\.(\d+)\.(weight|bias)$/.exec(n);
  if (f) {
    const k = VGG_FEATURE_CONVS.indexOf(Number(f[1]));
    return k < 0 ? undefined : `${VGG_CONV_NAMES[k]}.${f[2]}`;
  }
  const c = /^classifier\.(0|3)\.(weight|bias)$/.exec(n);
  if (c) return `${c[1] === '0' ? 'fc6' : 'fc7'}.${c[2]}`;
  if (/^upscore(2|8|_pool4)\.weight$/.test(n)) return { to: n, layout: 'convTranspose' };
  return /^(conv\d_\d|fc6|fc7|score_fr|score_pool3|score_pool4)\.(weight|bias)$/.test(n) ? n : undefined;
};

/**
 * Import a segmenter's weights from ONNX initializers through the explicit
 * name map of its architecture (or `mapping`). Non-strict by default; the
 * report says what was loaded, skipped, missing or mis-shaped.
 */
export async function importSegmenterOnnx(
  file: string,
  net: Segmenter,
  options: { mapping?: WeightMapping; strict?: boolean } = {},
): Promise<WeightImportReport> {
  const mapping = options.mapping ?? (net.kind === 'deeplabv2' ? deeplabOnnxNameMap : fcn8sOnnxNameMap);
  const report = await importOnnxWeights(file, net, { mapping, strict: options.strict ?? false });
  refuseUnmappable(file, net, report);
  return report;
}

/**
 * A non-strict import may leave a new classifier untrained, but not most of
 * the network: an ONNX file exported with torch's defaults (eval mode,
 * constant folding) has BatchNorm folded into the convolutions and its
 * initializers renamed (`onnx::Conv_…`), so nothing maps. Refused with the
 * reason and the two routes that work (the weights stay as they were only
 * for tensors not loaded; the caller should discard the network).
 */
function refuseUnmappable(file: string, net: Segmenter, report: WeightImportReport): void {
  const total = [...net.stateDict().keys()].filter((k) => !k.endsWith('num_batches_tracked')).length;
  const bnStats = [...net.stateDict().keys()].filter((k) => k.endsWith('running_mean'));
  const loadedNames = new Set(report.loaded.map((l) => l.to));
  const bnLoaded = bnStats.filter((k) => loadedNames.has(k)).length;
  const folded = bnStats.length > 0 && bnLoaded === 0;
  if (!folded && report.loaded.length * 2 >= total) return;
  const anonymous = report.skipped.filter((n) => /^onnx::|^[0-9]+$/.test(n)).length;
  throw new Error(
    `${file}: cannot map this ONNX file onto ${net.kind}: loaded ${report.loaded.length} of ${total} tensors` +
      (folded ? `, none of its ${bnStats.length} BatchNorm layers (their statistics are not in the file: BatchNorm folded into the convolutions)` : '') +
      (anonymous ? `; ${anonymous} initializers have no PyTorch names (e.g. ${report.skipped.filter((n) => /^onnx::|^[0-9]+$/.test(n)).slice(0, 2).join(', ')})` : '') +
      ". torch.onnx.export's defaults (eval mode, do_constant_folding=True) do both. Either convert the .pth with " +
      'tools/convert_pth_to_safetensors.py (then loadSegmenterSafetensors / model.segmenter.init), or export with ' +
      'training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False (BatchNorm momentum 0) to keep state-dict names; ' +
      'to score such a model as it is, use `semadapt evaluate --onnx`.',
  );
}

