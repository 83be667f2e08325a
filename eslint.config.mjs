// Lint for the whole workspace. The important rule is Nx's module boundaries:
// which package may import which, by tag (README "Dependency rules").
import nx from '@nx/eslint-plugin';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/*.js', '**/*.mjs', 'datasets/**', 'tmp/**'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          banTransitiveDependencies: true,
          checkNestedExternalImports: true,
          allow: ['@semadapt/*/testing'],
          // Nx's "static imports of lazy-loaded libraries" check is about bundle
          // splitting (webpack/Angular); in Node a lazy `await import()` (the CLI
          // loads commands on demand) next to static imports is fine.
          checkDynamicDependenciesExceptions: ['@semadapt/*'],
          depConstraints: [
            // compute (backends, kernels, fused ops) is the bottom: it imports nothing of ours. The
            // tensor packages above it may call its ops; only applications (pipeline, tools) start a backend.
            // labels (the label space: trainIds, names, colours, class sets) is a leaf every package may import.
            { sourceTag: 'scope:labels', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:compute', onlyDependOnLibsWithTags: [] },
            // onnx-runtime (the one onnxruntime-node session type) imports nothing of ours either.
            { sourceTag: 'scope:onnx-runtime', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:core', onlyDependOnLibsWithTags: ['scope:labels', 'scope:compute', 'scope:onnx-runtime'] },
            { sourceTag: 'scope:losses', onlyDependOnLibsWithTags: ['scope:labels', 'scope:compute', 'scope:core'] },
            { sourceTag: 'scope:translator', onlyDependOnLibsWithTags: ['scope:labels', 'scope:compute', 'scope:core', 'scope:losses'] },
            { sourceTag: 'scope:segmenter', onlyDependOnLibsWithTags: ['scope:labels', 'scope:compute', 'scope:core', 'scope:losses'] },
            { sourceTag: 'scope:data-core', onlyDependOnLibsWithTags: ['scope:labels'] },
            { sourceTag: 'scope:data-dataset', onlyDependOnLibsWithTags: ['scope:labels', 'scope:data-core'] },
            { sourceTag: 'scope:metrics', onlyDependOnLibsWithTags: ['scope:labels', 'scope:data-core', 'scope:onnx-runtime'] },
            // runner (run directory, markers, training loop, progress) knows nothing of the method: no
            // models, losses or data sets; the pipeline composes the method's stages on top of it.
            { sourceTag: 'scope:runner', onlyDependOnLibsWithTags: ['scope:labels', 'scope:compute', 'scope:core'] },
            { sourceTag: 'scope:pipeline', onlyDependOnLibsWithTags: ['*'] },
            // Data code stays framework-free: no tfjs anywhere under type:data.
            { sourceTag: 'type:data', bannedExternalImports: ['@tensorflow/*'] },
          ],
        },
      ],
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@semadapt/*/src', '@semadapt/*/src/**'], message: 'Import a package through its public entry (src/index.ts), never a deep path.' },
                     { group: ['../../*/src/**', '../../../packages/**'], message: 'Relative imports across packages are refused: import @semadapt/<package>.' }] },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
];
