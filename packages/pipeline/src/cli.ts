#!/usr/bin/env node
/**
 * `semadapt`: the command line of the project (issue 9). Every command has
 * `--help`; run commands take `--config run.json`, `--preset`, `--run-dir`
 * and dotted overrides (`--optimization.sourceSteps 500`). Exit codes: 0 ok,
 * 1 error, 2 invalid config or arguments, 3 non-finite loss, 130 interrupted.
 */
import yargs, { Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { unknownFlags } from './lib/config/cli-flags';
import { ConfigError } from './lib/config/run-config';
import { PRESET_NAMES } from './lib/config/presets';
import { InterruptedError, NonFiniteLossError } from '@semadapt/runner';

function runOptions<T>(y: Argv<T>) {
  return y
    .option('config', { type: 'string', describe: 'JSON config file (sections: optimization, model, data, logging)' })
    .option('preset', { type: 'string', describe: `preset: ${PRESET_NAMES.join(', ')}` })
    .option('run-dir', { type: 'string', describe: 'run directory (default runs/<preset>)' })
    .option('seed', { type: 'number', describe: 'overrides optimization.seed' })
    .option('backend', { type: 'string', choices: ['auto', 'node-gpu', 'node', 'native', 'wasm', 'cpu'], describe: 'tfjs backend' })
    .option('force-config', { type: 'boolean', describe: 'allow a changed config in an existing run directory' })
    .epilogue('Any config field can be overridden with a dotted flag, e.g. --optimization.sourceSteps 500 --data.resize "[64,32]".');
}

function fromScratchOption<T>(y: Argv<T>) {
  return y.option('from-scratch', { type: 'boolean', describe: 'train the segmenter from random weights (model.segmenter.init: null); paper presets otherwise refuse without their init file' });
}

function roundOption<T>(y: Argv<T>) {
  return y.option('round', { type: 'number', default: 1, describe: 'adaptation round k ≥ 1 (uses S_{k−1} and writes round k outputs)' });
}

function shardOption<T>(y: Argv<T>) {
  return y.option('shard', {
    type: 'string',
    describe: 'i/n: process only shard i of n (0-based); default from SLURM_ARRAY_TASK_ID/COUNT, SLURM_PROCID/NTASKS or JOB_COMPLETION_INDEX',
  });
}

type CommandName = keyof typeof import('./lib/commands');

/**
 * A command's handler, loaded on first use: `--help` and argument errors
 * do not pay for loading tfjs, onnxruntime and the model packages.
 */
function wrap(name: CommandName) {
  return async (argv: Record<string, unknown>): Promise<void> => {
    // SEMADAPT_PARSE_ONLY=1: arguments parsed and checked, nothing run (the docs' commands are tested this way).
    if (process.env['SEMADAPT_PARSE_ONLY'] === '1') {
      console.log(`parsed: ${name}`);
      return;
    }
    try {
      const commands = await import('./lib/commands');
      const code = await commands[name](argv);
      process.exitCode = code ?? 0;
    } catch (e) {
      if (e instanceof ConfigError) {
        console.error(e.message);
        process.exitCode = 2;
      } else if (e instanceof InterruptedError) {
        console.error(e.message);
        process.exitCode = 130;
      } else if (e instanceof NonFiniteLossError) {
        console.error(`error: ${e.message}`);
        process.exitCode = 3;
      } else {
        console.error(`error: ${e instanceof Error ? (process.env['SEMADAPT_DEBUG'] ? e.stack : e.message) : String(e)}`);
        process.exitCode = 1;
      }
    }
  };
}

/**
 * Strict flags (run before any handler): every flag must be an option of its
 * command or, where the command takes a config, a config path; each unknown
 * one is named with the nearest valid flag.
 */
function strictFlags(argv: Record<string, unknown>, y: unknown): void {
  const o = (y as { getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> } }).getOptions();
  const names = [...Object.keys(o.key), ...Object.values(o.alias).flat()];
  const problems = unknownFlags(argv, [...names, ...POSITIONALS], names.includes('config'));
  if (problems.length) failOnArguments(undefined, new ConfigError(problems));
}

/** The positional arguments' names (yargs stores them in argv beside the flags). */
const POSITIONALS = ['check', 'dataset', 'root', 'images', 'reference', 'stage', 'weights'];

/** Argument errors (unknown flag or command, missing or bad argument) exit 2 with the reason and where help is. */
function failOnArguments(message: string | undefined, error: Error | undefined): never {
  const text = error instanceof ConfigError ? error.message.replace(/^invalid configuration:\n/, 'invalid arguments:\n') : `error: ${message ?? error?.message ?? 'invalid arguments'}`;
  console.error(`${text}\n(see semadapt --help, or semadapt <command> --help)`);
  process.exit(2);
}

export function buildCli(argv: string[]) {
  return yargs(argv)
    .scriptName('semadapt')
    .usage('$0 <command> [options]\n\nSemantically adaptive image-to-image translation for domain adaptation of semantic segmentation.')
    .command('data check <dataset> <root>', 'validate a dataset tree (gta5, synthia, cityscapes); non-zero exit on problems', (y) =>
      y
        .positional('dataset', { type: 'string', choices: ['gta5', 'synthia', 'cityscapes'], demandOption: true })
        .positional('root', { type: 'string', demandOption: true })
        .option('json', { type: 'boolean', describe: 'print the summary as JSON' }),
      wrap('dataCheck'))
    .command('config', 'print the resolved, validated config (nothing is run)', (y) => runOptions(y), wrap('showConfig'))
    .command('train-source', 'round 0: segmenter on source only (the lower bound)', (y) => fromScratchOption(runOptions(y)), wrap('trainSource'))
    .command('train-oracle', 'segmenter on target labels (the upper bound)', (y) => fromScratchOption(runOptions(y)), wrap('trainOracle'))
    .command('train-translator', 'translator of round k, with S_{k−1} frozen as guidance', (y) => roundOption(runOptions(y)), wrap('trainTranslator'))
    .command('translate', 'translate the whole source set s→t (ONNX, onnxruntime) into PNGs', (y) => shardOption(roundOption(runOptions(y))), wrap('translate'))
    .command('pseudo-label', 'pseudo-label the target train set with S_{k−1} (ONNX, onnxruntime)', (y) => shardOption(roundOption(runOptions(y))), wrap('pseudoLabel'))
    .command('train-segmenter', 'segmenter of round k: translated source + pseudo-labels + output-space adversarial loss', (y) => roundOption(runOptions(y)), wrap('trainSegmenter'))
    .command('merge <stage>', 'merge the shards of translate, pseudo-label or evaluate', (y) =>
      roundOption(runOptions(y))
        .positional('stage', { type: 'string', choices: ['translate', 'pseudo-label', 'evaluate'], demandOption: true })
        .option('shards', { type: 'number', describe: 'merge evaluate: how many shards ran (default: --shard\'s n or the scheduler\'s count)' })
        .option('eval-stage', { type: 'string', default: 'evaluate', describe: 'merge evaluate: the evaluation stage whose shards to sum' }),
      wrap('merge'))
    .command('adapt', 'the whole loop: round 0, then rounds until val mIoU stops improving (resumable)', (y) =>
      fromScratchOption(runOptions(y)).option('inception', { type: 'string', describe: 'InceptionV3 ONNX file (= --metrics.inception): FID and IS of each round\'s translated source set vs target train' }),
      wrap('adapt'))
    .command('evaluate', 'mIoU19/16/13 and per-class IoU on target val, from a checkpoint or an ONNX model', (y) =>
      shardOption(runOptions(y))
        .option('checkpoint', { type: 'string', describe: 'segmenter checkpoint folder (default: best of the last round)' })
        .option('onnx', { type: 'string', describe: 'a segmenter .onnx (ours or converted; evaluated in onnxruntime-node); its logits output is checked: 19 classes, finite' })
        .option('onnx-layout', { type: 'string', choices: ['nchw', 'nhwc'], describe: '--onnx input layout (default: read from the model\'s input shape, else nchw)' })
        .option('onnx-size', { type: 'string', describe: '--onnx input WxH, e.g. 1024x512 (default: the model\'s fixed size, else data.evalSize ?? data.resize)' })
        .option('onnx-normalize', { type: 'string', choices: ['caffe-bgr', 'imagenet', 'unit', 'symmetric', 'raw'], describe: '--onnx: what is done to the RGB pixels before they are fed (default: raw for our exports, which normalise inside; caffe-bgr, BGR minus the Caffe mean as BDL/DeepLab, for others)' })
        .option('onnx-output', { type: 'string', describe: '--onnx output holding the class logits (default: \'logits\', else the only output)' })
        .option('export-cityscapes', { type: 'string', describe: 'write labelId PNGs named for the official Cityscapes scripts into DIR' })
        .option('split', { type: 'string', default: 'val', describe: 'target split' }),
      wrap('evaluate'))
    .command('import-weights <weights>', 'converted weights (tools/convert_pth_to_safetensors.py) → a checkpoint folder for evaluate/export-onnx --checkpoint', (y) =>
      runOptions(y)
        .positional('weights', { type: 'string', demandOption: true, describe: 'safetensors file with our tensor names (the converter\'s output)' })
        .option('out', { type: 'string', demandOption: true, describe: 'checkpoint folder to write' }),
      wrap('importWeights'))
    .command('export-onnx', 'export the segmenter and the translators to ONNX', (y) =>
      roundOption(runOptions(y))
        .option('checkpoint', { type: 'string', describe: 'segmenter checkpoint folder (default: best of round k)' })
        .option('out', { type: 'string', describe: 'output folder (default <run>/onnx/round<k>)' }),
      wrap('exportOnnx'))
    .command('fid <images> <reference>', 'FID of a folder of images against a folder or a saved statistics file', (y) =>
      y
        .positional('images', { type: 'string', demandOption: true })
        .positional('reference', { type: 'string', demandOption: true })
        .option('inception', { type: 'string', demandOption: true, describe: 'InceptionV3 ONNX model file' })
        .option('mode', { type: 'string', choices: ['legacy', 'clean'], default: 'legacy' })
        .option('normalization', { type: 'string', choices: ['minusOneOne', 'imagenet'], default: 'minusOneOne', describe: 'input scaling the model expects (see is --help)' })
        .option('save-stats', { type: 'string', describe: 'also save the reference statistics here (safetensors)' })
        .option('out', { type: 'string', describe: 'also write the result as JSON to this file' })
        .option('json', { type: 'boolean' }),
      wrap('fid'))
    .command('is <images>', 'Inception Score of a folder of images (10 splits)', (y) =>
      y
        .positional('images', { type: 'string', demandOption: true })
        .option('inception', { type: 'string', demandOption: true, describe: 'InceptionV3 ONNX model file' })
        .option('mode', { type: 'string', choices: ['legacy', 'clean'], default: 'legacy' })
        .option('normalization', { type: 'string', choices: ['minusOneOne', 'imagenet'], default: 'minusOneOne', describe: "input scaling the model expects: [-1, 1] (pytorch-fid's FID Inception) or ImageNet mean/std (torchvision's inception_v3)" })
        .option('splits', { type: 'number', default: 10 })
        .option('json', { type: 'boolean' }),
      wrap('inceptionScore'))
    .command('report', 'write <run>/report.html from the run directory', (y) =>
      runOptions(y).option('screenshot', { type: 'boolean', describe: 'also write <run>/report.png (headless Chromium)' }),
      wrap('report'))
    .command('fake-guidance', "Appendix C / Figure 5: round k's translator fed the segmentation of a different source image; grid into the run and the report", (y) =>
      roundOption(runOptions(y)).option('count', { type: 'number', describe: 'source images (≥ 2; default logging.reportImages)' }),
      wrap('fakeGuidance'))
    .command('demo', 'generate the mini-benchmark if absent, then oracle, source-only and 2–3 adaptation rounds on CPU (demo preset: minRounds 2, maxRounds 3)', (y) =>
      y
        .option('run-dir', { type: 'string', default: 'runs/demo' })
        .option('data-dir', { type: 'string', default: 'datasets/demo' })
        .option('backend', { type: 'string', choices: ['auto', 'native', 'wasm', 'cpu', 'node', 'node-gpu'] })
        .option('config', { type: 'string', describe: 'JSON config file merged over the demo preset' })
        .option('seed', { type: 'number', describe: 'overrides optimization.seed' })
        .option('force-config', { type: 'boolean', describe: 'allow a changed config in an existing run directory' })
        .option('fresh', { type: 'boolean', describe: 'start over: remove what semadapt wrote in the run directory (never other files; refused for a folder semadapt did not create)' })
        .epilogue('Any config field can be overridden with a dotted flag, e.g. --optimization.translatorSteps 200.'),
      wrap('demo'))
    .command('smoke', 'one round of a preset at its real resolution and widths, 2 steps per stage, on a generated tree at the real image sizes: time per stage, peak RSS, projected training time; non-zero exit on any failure', (y) =>
      runOptions(y)
        .option('data-dir', { type: 'string', describe: 'where the generated tree goes (reused if present; default <tmp>/semadapt-smoke-data)' })
        .option('json', { type: 'boolean', describe: 'also print the stage table as one JSON line' })
        .epilogue('The run directory defaults to a fresh temporary folder. Dotted overrides apply as for every command.'),
      wrap('smoke'))
    .demandCommand(1, 'give a command; see --help')
    .recommendCommands()
    .strictCommands()
    .middleware(strictFlags as never, true)
    .fail(failOnArguments)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(120, process.stdout.columns ?? 100));
}

if (require.main === module) {
  void buildCli(hideBin(process.argv)).parseAsync();
}
