import { makeShard, shardFromEnv, shardOrder } from './shard';

describe('shards', () => {
  it('strided shards of 10 over 3 ranks are disjoint, cover the order, sizes 4/3/3', () => {
    const order = Uint32Array.from([9, 3, 5, 0, 1, 8, 2, 7, 6, 4]);
    const parts = [0, 1, 2].map((r) => Array.from(shardOrder(order, makeShard(r, 3))));
    expect(parts).toEqual([
      [9, 0, 2, 4],
      [3, 1, 7],
      [5, 8, 6],
    ]);
    expect(parts.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it.each([
    ['nothing set', {}, [0, 1]],
    ['Slurm tasks', { SLURM_PROCID: '2', SLURM_NTASKS: '4' }, [2, 4]],
    ['Slurm single task ignores PROCID', { SLURM_PROCID: '0', SLURM_NTASKS: '1' }, [0, 1]],
    ['Slurm array from TASK_MIN', { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_MIN: '3', SLURM_ARRAY_TASK_COUNT: '4' }, [2, 4]],
    ['Slurm array × tasks (array-major)', { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '3', SLURM_PROCID: '1', SLURM_NTASKS: '2' }, [3, 6]],
    ['Kubernetes indexed job', { JOB_COMPLETION_INDEX: '3', JOB_COMPLETIONS: '5' }, [3, 5]],
    ['Slurm wins over Kubernetes', { SLURM_PROCID: '1', SLURM_NTASKS: '2', JOB_COMPLETION_INDEX: '3', JOB_COMPLETIONS: '5' }, [1, 2]],
  ])('shardFromEnv: %s', (_name, env, [rank, world]) => {
    const s = shardFromEnv(env as NodeJS.ProcessEnv);
    expect([s.rank, s.worldSize]).toEqual([rank, world]);
  });

  it('JOB_COMPLETION_INDEX takes its count from the option', () => {
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: '1' }, { completions: 4 })).toMatchObject({ rank: 1, worldSize: 4 });
  });

  it('refuses incomplete or inconsistent variables, quoting them', () => {
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: '1' })).toThrow(/number of completions is not/);
    expect(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: '1' })).toThrow(/SLURM_ARRAY_TASK_COUNT is not/);
    expect(() => shardFromEnv({ SLURM_PROCID: 'x', SLURM_NTASKS: '2' })).toThrow(/SLURM_PROCID='x' is not an integer/);
    expect(() => shardFromEnv({ SLURM_PROCID: '4', SLURM_NTASKS: '4' })).toThrow(/rank must be an integer in 0\.\.3, got 4/);
    expect(() => makeShard(0, 0)).toThrow(/world size must be an integer ≥ 1, got 0/);
  });
});
