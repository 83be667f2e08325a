import { StatsProvenance } from './stats-file';

/** A shortened digest for messages (16 hex digits tell weights apart). */
const short = (sha256: string) => `${sha256.slice(0, 16)}…`;

/**
 * How a statistics file's recorded provenance differs from the current
 * model's, one readable line per differing field; empty when the file's
 * features were made the way the current model would make them. The fields
 * compared are the ones that change the features: the weights (by hash, not
 * path), the preprocessing mode and resize, the input normalization and the
 * features output. A file without a field (e.g. no `modelSha256`: written
 * before semadapt recorded it) cannot be verified and counts as different.
 */
export function statsProvenanceMismatches(recorded: Record<string, string>, current: StatsProvenance): string[] {
  const out: string[] = [];
  if (recorded['modelSha256'] === undefined) {
    out.push(`weights: the file records no model hash (written before semadapt recorded one; its model was ${recorded['model'] ?? 'not recorded'}), so the weights that made it cannot be verified`);
  } else if (recorded['modelSha256'] !== current.modelSha256) {
    out.push(`weights: the file was made with ${recorded['model'] ?? 'an unnamed model'} (sha256 ${short(recorded['modelSha256'])}), this run uses ${current.model} (sha256 ${short(current.modelSha256)})`);
  }
  for (const field of ['mode', 'normalization', 'resize', 'features'] as const) {
    const was = recorded[field];
    if (was === undefined) out.push(`${field}: not recorded in the file (this run: '${current[field]}')`);
    else if (was !== current[field]) out.push(`${field}: file '${was}', this run '${current[field]}'`);
  }
  return out;
}
