/**
 * Chooses and starts the tfjs compute backend. Preference order:
 * `@tensorflow/tfjs-node-gpu` (CUDA), `@tensorflow/tfjs-node` (libtensorflow,
 * multi-threaded CPU), `native` (ours: tensors in JS typed arrays, hot
 * kernels in the oneDNN addon on every core, no 4 GB ceiling),
 * `@tensorflow/tfjs-backend-wasm` (XNNPACK, SIMD; one thread, one 4 GB heap),
 * and the pure-JS cpu backend. `SEMADAPT_BACKEND` forces one. The choice and
 * the reason each better backend was skipped are logged, so a slow run
 * explains itself. The backend's kernels are registered by its registrar
 * (register-kernels.ts) before it runs anything (STYLE §5).
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerBackendKernels } from './register-kernels';
import { loadNativeKernels } from './native/addon';
import { NATIVE_BACKEND, registerNativeBackendFactory } from './native/native-backend';
import { nativeConvKernelsActive } from './native-conv-kernels';
import { nativeElementwiseKernelsActive } from './native-elementwise-kernels';

/** A backend `initBackend` can choose, best first. */
export type BackendKind = 'node-gpu' | 'node' | 'native' | 'wasm' | 'cpu';

/** Preference order used when `SEMADAPT_BACKEND` is unset. */
export const BACKEND_PREFERENCE: readonly BackendKind[] = ['node-gpu', 'node', 'native', 'wasm', 'cpu'];

/** What `initBackend` chose and why the better ones were not used. */
export interface BackendChoice {
  /** Our name for the backend (`node-gpu`, `node`, `native`, `wasm`, `cpu`). */
  kind: BackendKind;
  /** The tfjs backend name now active (`tensorflow`, `native`, `wasm`, `cpu`). */
  tfBackend: string;
  /** Each better backend that was skipped, with the reason. */
  skipped: { kind: BackendKind; reason: string }[];
}

/** Options of `initBackend`. */
export interface InitBackendOptions {
  /** Force one backend; default `process.env.SEMADAPT_BACKEND`, else the first that loads. */
  backend?: BackendKind | string;
  /** Where the decision is reported; default `console.log`. Pass `() => {}` to silence. */
  log?: (message: string) => void;
}

const ALIASES: Record<string, BackendKind> = {
  'node-gpu': 'node-gpu', 'tfjs-node-gpu': 'node-gpu', gpu: 'node-gpu',
  node: 'node', 'tfjs-node': 'node', tensorflow: 'node',
  native: 'native', onednn: 'native', wasm: 'wasm', cpu: 'cpu',
};

/** Parses a backend name (also the package-style aliases); throws on anything else. */
export function parseBackendKind(name: string): BackendKind {
  const kind = ALIASES[name.trim().toLowerCase()];
  if (!kind) {
    throw new Error(`SEMADAPT_BACKEND / backend: unknown backend '${name}'; expected one of ${BACKEND_PREFERENCE.join(', ')}`);
  }
  return kind;
}

/**
 * The npm package and tfjs backend name of each kind. A `Record` over
 * `BackendKind`, so a new kind without an entry is a compile error.
 */
export const BACKEND_PACKAGES: Readonly<Record<BackendKind, { pkg: string; tfName: string }>> = {
  // Thin on purpose: needs CUDA + libtensorflow; cannot run on CPU-only machines.
  'node-gpu': { pkg: '@tensorflow/tfjs-node-gpu', tfName: 'tensorflow' },
  node: { pkg: '@tensorflow/tfjs-node', tfName: 'tensorflow' },
  native: { pkg: '@semadapt/onednn-kernels', tfName: NATIVE_BACKEND },
  wasm: { pkg: '@tensorflow/tfjs-backend-wasm', tfName: 'wasm' },
  cpu: { pkg: '@tensorflow/tfjs-backend-cpu', tfName: 'cpu' },
};

/**
 * Loads the package of one backend (side effect: the package registers its
 * backend factory and kernels with tfjs-core, which is how tfjs packages work)
 * and returns the tfjs backend name. Throws when the package is absent
 * (the tfjs-node ones are optionalDependencies) or its native part cannot load.
 * Required by name at run time, so a missing optional package is not a
 * compile or lint error.
 */
function loadBackendPackage(kind: BackendKind): string {
  const { pkg, tfName } = BACKEND_PACKAGES[kind];
  if (kind === 'native') {
    // Our backend: needs the addon (loaded by name through loadNativeKernels, which says why it is absent).
    const { status } = loadNativeKernels();
    if (!status.enabled) throw new Error(status.detail);
    registerNativeBackendFactory();
    return tfName;
  }
  require(pkg);
  return tfName;
}

/**
 * What runs natively on native/wasm. (When native was skipped because the
 * addon is missing, the logged reason says how to build it: NATIVE_HOWTO.)
 */
function nativeNote(tfBackend: string): string {
  if (tfBackend === NATIVE_BACKEND) return `; kernels: ${loadNativeKernels().status.detail}`;
  if (tfBackend !== 'wasm') return '';
  const convs = nativeConvKernelsActive('wasm') ? loadNativeKernels().status.detail : `wasm (${loadNativeKernels().status.detail})`;
  const loops = nativeElementwiseKernelsActive('wasm') ? 'native' : 'JS';
  return `; convolutions: ${convs}; normalization and optimizer loops: ${loops}`;
}

function reasonOf(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (/Cannot find module/.test(msg)) return `package not installed (${msg.split('\n')[0]})`;
  return msg.split('\n')[0];
}

/**
 * Starts one specific backend, registering our extra kernels first. Throws
 * if it cannot start. Used by `initBackend` and by the test helpers.
 */
export async function startBackend(kind: BackendKind): Promise<string> {
  const name = loadBackendPackage(kind);
  registerBackendKernels(name);
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') returned false (backend failed to initialize)`);
  await tf.ready();
  if (name === 'cpu') {
    // The cpu backend prints a "install tfjs-node" banner on first use; initBackend
    // already logs why tfjs-node was skipped, so mark the banner as shown.
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  }
  return name;
}

/**
 * Selects the best available backend (or the forced one) and makes it
 * active. Safe to call more than once.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendChoice> {
  const log = options.log ?? ((m: string) => console.log(m));
  const forced = options.backend ?? process.env['SEMADAPT_BACKEND'];
  const skipped: BackendChoice['skipped'] = [];
  if (forced !== undefined && forced !== '') {
    const kind = parseBackendKind(forced);
    const tfBackend = await startBackend(kind);
    log(`[semadapt] backend: ${kind} (tfjs '${tfBackend}'), forced by ${options.backend ? 'option' : 'SEMADAPT_BACKEND'}${nativeNote(tfBackend)}`);
    return { kind, tfBackend, skipped };
  }
  for (const kind of BACKEND_PREFERENCE) {
    try {
      const tfBackend = await startBackend(kind);
      const why = skipped.map((s) => `${s.kind}: ${s.reason}`).join('; ');
      log(`[semadapt] backend: ${kind} (tfjs '${tfBackend}')${why ? `; skipped ${why}` : ''}${nativeNote(tfBackend)}`);
      return { kind, tfBackend, skipped };
    } catch (e) {
      skipped.push({ kind, reason: reasonOf(e) });
    }
  }
  throw new Error(`no tfjs backend could start: ${skipped.map((s) => `${s.kind}: ${s.reason}`).join('; ')}`);
}
