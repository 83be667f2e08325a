/**
 * The dependency rules of issue 3 are enforced by lint: for each rule this
 * writes a temporary file with one violating import into the package it
 * constrains, runs ESLint (the root eslint.config.mjs) on all of them at once,
 * asserts the specific error, and always deletes the files. A control file
 * with only allowed imports must lint clean, so the test cannot pass by
 * ESLint failing for some unrelated reason.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');

interface Probe {
  /** What is being proven. */
  rule: string;
  /** Package (folder under packages/) the temporary file goes into. */
  pkg: string;
  /** The file's body. */
  source: string;
  /** Expected rule id and message pattern; null for the allowed control. */
  expect: { ruleId: string; message: RegExp } | null;
}

const PROBES: Probe[] = [
  {
    rule: 'data-gta5 must not import data-cityscapes (data sets depend on data-core only)',
    pkg: 'data-gta5',
    source: "import * as cs from '@semadapt/data-cityscapes';\nexport const probe = cs;\n",
    expect: { ruleId: '@nx/enforce-module-boundaries', message: /scope:data-dataset.*can only depend on libs tagged with.*scope:data-core/ },
  },
  {
    rule: 'core-layers must not import translator (core-layers depends on compute only)',
    pkg: 'core-layers',
    source: "import * as tr from '@semadapt/translator';\nexport const probe = tr;\n",
    // translator depends on core-layers, so Nx reports the cycle (its boundary error for this case).
    expect: { ruleId: '@nx/enforce-module-boundaries', message: /Circular dependency between "@semadapt\/core-layers" and "@semadapt\/translator"|scope:core/ },
  },
  {
    rule: 'core-layers must not import data-core (core-layers depends on compute only)',
    pkg: 'core-layers',
    source: "import * as dc from '@semadapt/data-core';\nexport const probe = dc;\n",
    expect: { ruleId: '@nx/enforce-module-boundaries', message: /scope:core/ },
  },
  {
    rule: 'compute must not import core-layers (compute depends on nothing of ours)',
    pkg: 'compute',
    source: "import * as cl from '@semadapt/core-layers';\nexport const probe = cl;\n",
    // core-layers depends on compute, so Nx reports the cycle (its boundary error for this case).
    expect: { ruleId: '@nx/enforce-module-boundaries', message: /Circular dependency between "@semadapt\/compute" and "@semadapt\/core-layers"|scope:compute/ },
  },
  {
    rule: 'compute must not import data-core (compute depends on nothing of ours)',
    pkg: 'compute',
    source: "import * as dc from '@semadapt/data-core';\nexport const probe = dc;\n",
    expect: { ruleId: '@nx/enforce-module-boundaries', message: /scope:compute.*cannot depend on any libs with tags/ },
  },
  {
    rule: 'metrics-fid-is must not import compute (data-core only)',
    pkg: 'metrics-fid-is',
    source: "import * as cp from '@semadapt/compute';\nexport const probe = cp;\n",
    expect: { ruleId: '@nx/enforce-module-boundaries', message: /scope:metrics.*can only depend on libs tagged with.*scope:data-core/ },
  },
  {
    rule: 'translator must not import segmenter (not each other)',
    pkg: 'translator',
    source: "import * as seg from '@semadapt/segmenter';\nexport const probe = seg;\n",
    expect: { ruleId: '@nx/enforce-module-boundaries', message: /scope:translator.*can only depend on libs tagged with.*scope:core.*scope:losses/ },
  },
  {
    rule: 'metrics-fid-is must not import core-layers (data-core only)',
    pkg: 'metrics-fid-is',
    source: "import * as cl from '@semadapt/core-layers';\nexport const probe = cl;\n",
    expect: { ruleId: '@nx/enforce-module-boundaries', message: /scope:metrics.*can only depend on libs tagged with.*scope:data-core/ },
  },
  {
    rule: 'data-core must not import tfjs (framework-free data code)',
    pkg: 'data-core',
    source: "import * as tf from '@tensorflow/tfjs-core';\nexport const probe = tf;\n",
    expect: { ruleId: '@nx/enforce-module-boundaries', message: /type:data.*not allowed to import.*@tensorflow\/tfjs-core/ },
  },
  {
    rule: 'labels must not import data-core (labels is a leaf: it imports nothing of ours)',
    pkg: 'labels',
    source: "import * as dc from '@semadapt/data-core';\nexport const probe = dc;\n",
    // data-core depends on labels, so Nx reports the cycle (its boundary error for this case).
    expect: { ruleId: '@nx/enforce-module-boundaries', message: /Circular dependency between "@semadapt\/labels" and "@semadapt\/data-core"|scope:labels/ },
  },
  {
    rule: 'labels must not import compute (labels imports nothing of ours)',
    pkg: 'labels',
    source: "import * as cp from '@semadapt/compute';\nexport const probe = cp;\n",
    expect: { ruleId: '@nx/enforce-module-boundaries', message: /scope:labels.*cannot depend on any libs with tags/ },
  },
  {
    rule: 'labels must not import tfjs (plain constants, framework-free)',
    pkg: 'labels',
    source: "import * as tf from '@tensorflow/tfjs-core';\nexport const probe = tf;\n",
    expect: { ruleId: '@nx/enforce-module-boundaries', message: /type:data.*not allowed to import.*@tensorflow\/tfjs-core/ },
  },
  {
    rule: 'labels must not import runner (labels imports nothing of ours)',
    pkg: 'labels',
    source: "import * as rn from '@semadapt/runner';\nexport const probe = rn;\n",
    expect: { ruleId: '@nx/enforce-module-boundaries', message: /scope:labels.*cannot depend on any libs with tags/ },
  },
  {
    rule: 'runner must not import segmenter (the runner knows nothing of the method)',
    pkg: 'runner',
    source: "import * as seg from '@semadapt/segmenter';\nexport const probe = seg;\n",
    expect: { ruleId: '@nx/enforce-module-boundaries', message: /scope:runner.*can only depend on libs tagged with.*scope:core/ },
  },
  {
    rule: 'runner must not import data-core (no data sets in the runner)',
    pkg: 'runner',
    source: "import * as dc from '@semadapt/data-core';\nexport const probe = dc;\n",
    expect: { ruleId: '@nx/enforce-module-boundaries', message: /scope:runner.*can only depend on libs tagged with.*scope:core/ },
  },
  {
    rule: 'translator must not import runner (only the pipeline composes stages)',
    pkg: 'translator',
    source: "import * as rn from '@semadapt/runner';\nexport const probe = rn;\n",
    expect: { ruleId: '@nx/enforce-module-boundaries', message: /scope:translator.*can only depend on libs tagged with/ },
  },
  {
    rule: 'onnx-runtime must not import core-layers (it wraps onnxruntime-node only)',
    pkg: 'onnx-runtime',
    source: "import * as cl from '@semadapt/core-layers';\nexport const probe = cl;\n",
    // core-layers depends on onnx-runtime, so Nx reports the cycle (its boundary error for this case).
    expect: { ruleId: '@nx/enforce-module-boundaries', message: /Circular dependency between "@semadapt\/onnx-runtime" and "@semadapt\/core-layers"|scope:onnx-runtime/ },
  },
  {
    rule: 'onnx-runtime must not import data-core (it imports nothing of ours)',
    pkg: 'onnx-runtime',
    source: "import * as dc from '@semadapt/data-core';\nexport const probe = dc;\n",
    expect: { ruleId: '@nx/enforce-module-boundaries', message: /scope:onnx-runtime.*cannot depend on any libs with tags/ },
  },
  {
    rule: 'deep imports @semadapt/<pkg>/src/... are refused',
    pkg: 'losses',
    source: "import { Module } from '@semadapt/core-layers/src/lib/module/module';\nexport const probe = Module;\n",
    expect: { ruleId: 'no-restricted-imports', message: /public entry/ },
  },
  {
    rule: 'relative imports across packages are refused',
    pkg: 'losses',
    source: "import * as cl from '../../core-layers/src/index';\nexport const probe = cl;\n",
    expect: { ruleId: 'no-restricted-imports', message: /Relative imports across packages/ },
  },
  {
    rule: 'control: losses importing @semadapt/core-layers is allowed',
    pkg: 'losses',
    source: "import * as cl from '@semadapt/core-layers';\nexport const probe = cl;\n",
    expect: null,
  },
  {
    rule: 'control: data-core importing @semadapt/labels is allowed',
    pkg: 'data-core',
    source: "import * as lb from '@semadapt/labels';\nexport const probe = lb;\n",
    expect: null,
  },
  {
    rule: 'control: runner importing @semadapt/core-layers is allowed',
    pkg: 'runner',
    source: "import * as cl from '@semadapt/core-layers';\nexport const probe = cl;\n",
    expect: null,
  },
  {
    rule: 'control: metrics-fid-is importing @semadapt/onnx-runtime is allowed',
    pkg: 'metrics-fid-is',
    source: "import * as ox from '@semadapt/onnx-runtime';\nexport const probe = ox;\n",
    expect: null,
  },
  {
    rule: 'control: core-layers importing @semadapt/compute is allowed',
    pkg: 'core-layers',
    source: "import * as cp from '@semadapt/compute';\nexport const probe = cp;\n",
    expect: null,
  },
];

interface EslintMessage {
  ruleId: string | null;
  message: string;
  severity: number;
}

describe('dependency boundaries are lint errors', () => {
  it('each violating import fails lint with its boundary error; the allowed control passes', () => {
    const env = { ...process.env, NX_DAEMON: 'false' };
    // The Nx rule reads the cached project graph and silently skips itself when
    // there is none (fresh clone, plain `eslint`): have Nx compute it first.
    const graph = spawnSync('npx', ['nx', 'show', 'projects'], { cwd: ROOT, encoding: 'utf8', env });
    if (graph.status !== 0) throw new Error(`nx show projects failed: ${graph.stderr}`);
    const stamp = `${process.pid}-${Date.now()}`;
    const files = PROBES.map((p, i) => path.join(ROOT, 'packages', p.pkg, 'src', `zz-boundary-probe-${stamp}-${i}.ts`));
    const report = path.join(os.tmpdir(), `semadapt-boundaries-${stamp}.json`);
    let results: { filePath: string; messages: EslintMessage[] }[] = [];
    try {
      PROBES.forEach((p, i) => fs.writeFileSync(files[i], `// Temporary file of tools/workspace-tests/boundaries.spec.ts; deleted after the test.\n${p.source}`));
      const r = spawnSync('npx', ['eslint', '--no-warn-ignored', '--format', 'json', '--output-file', report, ...files], { cwd: ROOT, encoding: 'utf8', env });
      if (!fs.existsSync(report)) throw new Error(`eslint wrote no report (status ${r.status}): ${r.stdout}${r.stderr}`);
      if (/No cached ProjectGraph/.test(r.stdout + r.stderr)) throw new Error(`the Nx boundary rule was skipped: ${r.stdout}${r.stderr}`);
      results = JSON.parse(fs.readFileSync(report, 'utf8'));
    } finally {
      for (const f of files) fs.rmSync(f, { force: true });
      fs.rmSync(report, { force: true });
    }
    for (const f of files) expect(fs.existsSync(f)).toBe(false);
    PROBES.forEach((p, i) => {
      const res = results.find((x) => path.resolve(x.filePath) === files[i]);
      if (!res) throw new Error(`no ESLint result for ${p.rule}`);
      const errors = res.messages.filter((m) => m.severity === 2);
      if (p.expect === null) {
        if (errors.length > 0) throw new Error(`${p.rule}: unexpected errors ${JSON.stringify(errors)}`);
        return;
      }
      const want = p.expect;
      const hit = errors.find((m) => m.ruleId === want.ruleId && want.message.test(m.message));
      if (!hit) throw new Error(`${p.rule}: expected ${want.ruleId} ${want.message}, got ${JSON.stringify(errors)}`);
    });
  });
});
