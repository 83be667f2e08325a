/**
 * `--profile`: where a step's time goes, kernel by kernel. Every kernel
 * registered for the active tfjs backend gets a timer around its
 * `kernelFunc` (the registry's own config object is wrapped in place, so
 * identity checks of the backend's installers still hold). Times are
 * exclusive: a kernel that runs other registered kernels (a fused kernel
 * falling back to a stock one, a gradient kernel built from ops) is charged
 * only for its own work. Kernels on these backends finish before they return
 * (the wasm, cpu and native backends all compute synchronously), so wall
 * time around the call is the kernel's time. What is left of the step is
 * "outside kernels": the engine, the autodiff tape, optimiser bookkeeping in
 * JS, garbage collection.
 *
 * Each kernel's process CPU time is taken the same way (exclusive, from
 * `process.cpuUsage()`): its cpu/wall says how many cores it kept busy — 1.0
 * for a loop on the calling thread, up to the thread count for one spread
 * over the OpenMP team (V8's background GC threads, when they run, count
 * too).
 *
 * Each kernel is labelled with its implementation — `native` (the oneDNN /
 * OpenMP addon, every core), `js` (a JavaScript loop: ours or
 * tfjs-backend-cpu's), `wasm` (tfjs-backend-wasm's own, one thread),
 * `libtensorflow` (tfjs-node) — by the backend package's
 * `kernelImplementation(kernelName, backendName)` where it exports one, else
 * from the backend alone (then marked `?`).
 */
import * as tf from '@tensorflow/tfjs-core';

/** How a registered kernel is implemented. */
export type KernelImplementation = 'native' | 'js' | 'wasm' | 'libtensorflow' | string;

/** One kernel's totals over the profiled runs. */
export interface KernelStat {
  kernel: string;
  implementation: KernelImplementation;
  calls: number;
  /** Exclusive time (nested registered kernels subtracted), ms. */
  ms: number;
  /** Exclusive process CPU time (user + system, every thread), ms. */
  cpu_ms: number;
}

/** A profile of one or more steps, per step. */
export interface StepProfile {
  /** Mean wall time of a profiled step, ms (timers included). */
  step_ms: number;
  /** Time in no kernel (engine, tape, JS bookkeeping, GC), ms per step. */
  outside_ms: number;
  /** Process CPU time of a profiled step, and of it the part in no kernel, ms. */
  step_cpu_ms: number;
  outside_cpu_ms: number;
  /** Per kernel, ms and calls per step, largest first; `share` = ms / step_ms. */
  kernels: Array<KernelStat & { share: number }>;
  /** Sum per implementation, ms per step. */
  by_implementation: Record<string, number>;
  /** Where the labels came from. */
  labels: string;
}

/** Labels kernels by implementation. */
export type Classifier = (kernelName: string, backendName: string) => KernelImplementation;

type Exporter = { kernelImplementation?: (kernelName: string, backendName: string) => KernelImplementation };

/**
 * The backend package's classifier (`@semadapt/compute`, else
 * `@semadapt/core-layers`), or one by backend name when neither exports
 * `kernelImplementation`.
 */
export function resolveClassifier(): { classify: Classifier; source: string } {
  for (const pkg of ['@semadapt/compute', '@semadapt/core-layers']) {
    let mod: Exporter | undefined;
    try {
      // By name at run time: the compute package may not exist in this checkout yet.
      mod = require(pkg) as Exporter;
    } catch {
      continue;
    }
    if (typeof mod.kernelImplementation === 'function') return { classify: mod.kernelImplementation, source: `${pkg} kernelImplementation()` };
  }
  const byBackend: Record<string, string> = { cpu: 'js', wasm: 'wasm', native: 'native', tensorflow: 'libtensorflow' };
  return {
    classify: (_k, backendName) => `${byBackend[backendName] ?? backendName}?`,
    source: 'backend name only (the backend package exports no kernelImplementation(); `?` = not verified per kernel)',
  };
}

/** Timers on every kernel of one backend; `uninstall` restores the original functions. */
export interface KernelTimer {
  /** Totals since install (or the last reset). */
  stats(): KernelStat[];
  reset(): void;
  uninstall(): void;
}

/**
 * Wraps every kernel registered for `backendName` now. The implementation
 * label is taken at install time, before wrapping.
 */
export function installKernelTimer(backendName: string, classify: Classifier): KernelTimer {
  const totals = new Map<string, KernelStat>();
  // Inclusive time of the kernels running inside the current one, per nesting level.
  const childTime: number[] = [];
  const childCpu: number[] = [];
  const restore: Array<() => void> = [];
  for (const config of tf.getKernelsForBackend(backendName)) {
    const implementation = classify(config.kernelName, backendName);
    const original = config.kernelFunc;
    const stat: KernelStat = { kernel: config.kernelName, implementation, calls: 0, ms: 0, cpu_ms: 0 };
    const timed: tf.KernelFunc = (args) => {
      childTime.push(0);
      childCpu.push(0);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      try {
        return original(args);
      } finally {
        const inclusive = performance.now() - t0;
        const dc = process.cpuUsage(c0);
        const inclusiveCpu = (dc.user + dc.system) / 1000;
        const nested = childTime.pop() ?? 0;
        const nestedCpu = childCpu.pop() ?? 0;
        if (childTime.length) {
          childTime[childTime.length - 1] += inclusive;
          childCpu[childCpu.length - 1] += inclusiveCpu;
        }
        stat.calls++;
        stat.ms += inclusive - nested;
        stat.cpu_ms += inclusiveCpu - nestedCpu;
        totals.set(stat.kernel, stat);
      }
    };
    const mutable = config as { kernelFunc: tf.KernelFunc };
    mutable.kernelFunc = timed;
    restore.push(() => {
      if (mutable.kernelFunc === timed) mutable.kernelFunc = original;
    });
  }
  return {
    stats: () => [...totals.values()].filter((s) => s.calls > 0).map((s) => ({ ...s })),
    reset: () => {
      for (const s of totals.values()) {
        s.calls = 0;
        s.ms = 0;
        s.cpu_ms = 0;
      }
    },
    uninstall: () => restore.forEach((r) => r()),
  };
}

/** Per-step profile from totals over `steps` runs that took `wallMs` and `cpuMs` (process CPU time) in all. */
export function summarize(stats: readonly KernelStat[], steps: number, wallMs: number, labels: string, cpuMs = 0): StepProfile {
  const stepMs = wallMs / steps;
  const kernels = stats
    .map((s) => ({ ...s, calls: s.calls / steps, ms: s.ms / steps, cpu_ms: s.cpu_ms / steps, share: s.ms / wallMs }))
    .sort((a, b) => b.ms - a.ms);
  const inKernels = kernels.reduce((a, k) => a + k.ms, 0);
  const cpuInKernels = kernels.reduce((a, k) => a + k.cpu_ms, 0);
  const byImpl: Record<string, number> = {};
  for (const k of kernels) byImpl[k.implementation] = (byImpl[k.implementation] ?? 0) + k.ms;
  const stepCpu = cpuMs / steps;
  return { step_ms: stepMs, outside_ms: stepMs - inKernels, step_cpu_ms: stepCpu, outside_cpu_ms: stepCpu - cpuInKernels, kernels, by_implementation: byImpl, labels };
}

/** JS-implemented kernels above `limit` of a step (issue 22: none over 2 % on the step cases). */
export function jsKernelsOver(p: StepProfile, limit = 0.02): Array<KernelStat & { share: number }> {
  return p.kernels.filter((k) => k.implementation.startsWith('js') && k.share > limit);
}

/** The profile as text: one line per kernel (share, ms, calls, implementation), then totals. */
export function formatProfile(name: string, p: StepProfile, maxLines = 40): string {
  const pct = (ms: number) => `${((100 * ms) / p.step_ms).toFixed(1).padStart(5)} %`;
  const lines = [
    `${name} profile: ${p.step_ms.toFixed(1)} ms per step (timers on); implementation labels from ${p.labels}`,
    `  share      ms/step  cpu/wall  calls/step  impl      kernel`,
  ];
  const cores = (cpu: number, ms: number) => (ms > 0 ? (cpu / ms).toFixed(2) : '-').padStart(8);
  for (const k of p.kernels.slice(0, maxLines)) {
    lines.push(`  ${pct(k.ms)}  ${k.ms.toFixed(2).padStart(9)}  ${cores(k.cpu_ms, k.ms)}  ${k.calls.toFixed(k.calls % 1 ? 1 : 0).padStart(10)}  ${k.implementation.padEnd(8)}  ${k.kernel}`);
  }
  if (p.kernels.length > maxLines) {
    const rest = p.kernels.slice(maxLines);
    const ms = rest.reduce((a, k) => a + k.ms, 0);
    const cpu = rest.reduce((a, k) => a + k.cpu_ms, 0);
    lines.push(`  ${pct(ms)}  ${ms.toFixed(2).padStart(9)}  ${cores(cpu, ms)}  ${''.padStart(10)}  ${''.padEnd(8)}  (${rest.length} more kernels)`);
  }
  lines.push(`  ${pct(p.outside_ms)}  ${p.outside_ms.toFixed(2).padStart(9)}  ${cores(p.outside_cpu_ms, p.outside_ms)}  ${''.padStart(10)}  ${''.padEnd(8)}  (outside kernels: engine, tape, JS, GC)`);
  lines.push(`  step cpu/wall ${(p.step_cpu_ms / p.step_ms).toFixed(2)} (timers on)`);
  const impl = Object.entries(p.by_implementation)
    .sort((a, b) => b[1] - a[1])
    .map(([k, ms]) => `${k} ${((100 * ms) / p.step_ms).toFixed(1)} %`)
    .join(', ');
  lines.push(`  by implementation: ${impl}; outside kernels ${((100 * p.outside_ms) / p.step_ms).toFixed(1)} %`);
  const js = jsKernelsOver(p);
  lines.push(
    js.length
      ? `  JS kernels over 2 % of the step: ${js.map((k) => `${k.kernel} ${(100 * k.share).toFixed(1)} %`).join(', ')}`
      : '  JS kernels over 2 % of the step: none',
  );
  return lines.join('\n');
}
