/**
 * Sharding a dataset across processes: explicit rank/world size, or read
 * from the scheduler's environment. Shards are strided over the epoch's
 * order (rank r gets positions r, r+W, r+2W, …): disjoint, covering the set,
 * sizes differing by at most one.
 */

/** Which part of the data this process reads. */
export interface Shard {
  readonly rank: number;
  readonly worldSize: number;
  /** Where the values came from (for logs): 'explicit', 'single', or the env variables used. */
  readonly source: string;
}

/** Checks and builds a shard. */
export function makeShard(rank: number, worldSize: number, source = 'explicit'): Shard {
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new RangeError(`shard: world size must be an integer ≥ 1, got ${worldSize} (${source})`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new RangeError(`shard: rank must be an integer in 0..${worldSize - 1}, got ${rank} (${source})`);
  return { rank, worldSize, source };
}

function intVar(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new RangeError(`shard: environment variable ${name}='${v}' is not an integer`);
  return n;
}

/**
 * The shard from scheduler variables:
 * - Slurm tasks: `SLURM_PROCID` of `SLURM_NTASKS`;
 * - Slurm job arrays: `SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN` (0 if unset) of `SLURM_ARRAY_TASK_COUNT`;
 *   with several tasks per array element the two combine (array-major);
 * - Kubernetes indexed Jobs: `JOB_COMPLETION_INDEX` of `completions` (option) or `JOB_COMPLETIONS`
 *   (set it in the Job spec from `.spec.completions`; Kubernetes does not export the count itself).
 * Slurm takes precedence over Kubernetes. Nothing set → rank 0 of 1.
 */
export function shardFromEnv(env: NodeJS.ProcessEnv = process.env, options: { completions?: number } = {}): Shard {
  const ntasks = intVar(env, 'SLURM_NTASKS');
  const procid = intVar(env, 'SLURM_PROCID');
  const arrayId = intVar(env, 'SLURM_ARRAY_TASK_ID');
  const arrayCount = intVar(env, 'SLURM_ARRAY_TASK_COUNT');
  const arrayMin = intVar(env, 'SLURM_ARRAY_TASK_MIN') ?? 0;
  const parts: string[] = [];
  let rank = 0;
  let world = 1;
  if (arrayId !== undefined) {
    if (arrayCount === undefined) throw new RangeError('shard: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not');
    rank = arrayId - arrayMin;
    world = arrayCount;
    parts.push('SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT');
  }
  if (ntasks !== undefined && ntasks > 1) {
    if (procid === undefined) throw new RangeError(`shard: SLURM_NTASKS=${ntasks} but SLURM_PROCID is not set`);
    rank = rank * ntasks + procid;
    world = world * ntasks;
    parts.push('SLURM_PROCID/SLURM_NTASKS');
  }
  if (parts.length > 0) return makeShard(rank, world, parts.join('+'));
  const index = intVar(env, 'JOB_COMPLETION_INDEX');
  if (index !== undefined) {
    const count = options.completions ?? intVar(env, 'JOB_COMPLETIONS');
    if (count === undefined) {
      throw new RangeError('shard: JOB_COMPLETION_INDEX is set but the number of completions is not (pass completions or set JOB_COMPLETIONS)');
    }
    return makeShard(index, count, 'JOB_COMPLETION_INDEX/JOB_COMPLETIONS');
  }
  return makeShard(0, 1, 'single');
}

/** The positions of `order` that belong to `shard` (strided). */
export function shardOrder(order: ArrayLike<number>, shard: Shard): Uint32Array {
  const n = order.length;
  const count = n > shard.rank ? Math.ceil((n - shard.rank) / shard.worldSize) : 0;
  const out = new Uint32Array(count);
  for (let k = 0; k < count; k++) out[k] = order[shard.rank + k * shard.worldSize];
  return out;
}
