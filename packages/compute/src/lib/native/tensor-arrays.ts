/**
 * The native backend's output arrays, freed the moment their tensor is
 * disposed.
 *
 * Every kernel output on the native backend is a JS typed array. One made
 * in JS (`new Float32Array(n)`) is freed only when V8's collector next runs,
 * so during a training step resident memory runs far above the live
 * tensors' bytes, and every new output is fresh memory whose pages the
 * kernel then faults in (most of native's loss to wasm at small sizes). So
 * large outputs live in blocks of the addon's allocator (native/src/memory.cc)
 * and go straight back to malloc when their tensor is disposed, where the
 * next output finds them — as PyTorch's CPU tensors, freed by reference
 * count.
 *
 * A block is freed only when nothing else can still see it:
 * - this class allocated it (never an array a caller passed to `tf.tensor`);
 * - no tensor data still refers to its buffer (counted per ArrayBuffer as
 *   the backend stores values, so a kernel that stores a view of another
 *   tensor's buffer keeps that buffer alive);
 * - it was never handed out of the backend (`readSync`, i.e. `dataSync`,
 *   `data`, `arraySync`, `bufferSync`: the caller may keep it; V8 frees it
 *   when the caller drops it).
 * Freeing detaches the ArrayBuffer first, so a view somebody kept by mistake
 * reads as empty, never as another tensor's values.
 *
 * A freed block first waits in a bounded pool, keyed by its exact byte length,
 * for the next output of that size (a training step asks for the same sizes
 * every step). Each new ArrayBuffer is work for V8's collector — it counts
 * their bytes as external memory and sweeps them — and a fresh one per output
 * made it run 316 scavenges and 73 full collections over a 4-step translator
 * bench at 64×64 (wasm: 67 and 20), whose background threads took the second
 * core from oneDNN. Reusing
 * the ArrayBuffer object keeps V8 out of it. The pool never holds more than
 * fits beside the live tensors under the most they ever took (`makeRoom`),
 * so it does not raise the peak. A pooled block is not detached
 * (a view kept by mistake past dispose may see a later tensor's values while
 * the block waits, as with the wasm backend's heap); one leaving the pool
 * over its bound is detached and freed as above.
 */
export type TensorArray = Float32Array | Int32Array | Uint8Array;
export type TensorArrayConstructor = { new (n: number): TensorArray; new (buffer: ArrayBuffer): TensorArray; readonly BYTES_PER_ELEMENT: number };

/** Where the blocks come from: the addon's `allocate` / `release` (or a test's stand-in). */
export interface BlockAllocator {
  /** An ArrayBuffer of `bytes` bytes, zero-filled when `zero`. */
  allocate(bytes: number, zero: boolean): ArrayBuffer;
  /** Detaches `buffer` and frees its block; false when it is not a live block of this allocator. */
  release(buffer: ArrayBuffer): boolean;
}

export interface TensorArrayStats {
  /** Blocks allocated so far. */
  allocated: number;
  /** Blocks freed on dispose so far. */
  released: number;
  /** Blocks handed out of the backend (left to V8's collector). */
  exposed: number;
  /** Outputs served from the pool of released blocks so far. */
  reused: number;
  /** Bytes of released blocks waiting in the pool now. */
  pooledBytes: number;
}

/** Outputs below this many bytes are plain JS arrays: the allocator's call costs more than it saves. */
export const DEFAULT_MIN_BLOCK_BYTES = 16 * 1024;

const DEFAULT_POOL_MB = 256;

/**
 * Bytes of released blocks kept for reuse: `SEMADAPT_NATIVE_POOL_MB`
 * (default 256; 0 frees every block at once). At the bench sizes a step's
 * churn fits; at the paper's sizes the big activations go back to malloc.
 */
export function defaultPoolBytes(): number {
  const mb = Number(process.env['SEMADAPT_NATIVE_POOL_MB'] ?? DEFAULT_POOL_MB);
  return (Number.isFinite(mb) && mb >= 0 ? mb : DEFAULT_POOL_MB) * 1024 * 1024;
}

export class TensorArrays {
  private readonly owned = new WeakSet<ArrayBufferLike>();
  private readonly refs = new WeakMap<ArrayBufferLike, number>();
  /** Released blocks by byte length, most recently released last. */
  private readonly pool = new Map<number, ArrayBuffer[]>();
  /** The same blocks in the order they were released (the oldest leaves first when the pool is over its bound). */
  private readonly pooledInOrder = new Set<ArrayBuffer>();
  private readonly stats: TensorArrayStats = { allocated: 0, released: 0, exposed: 0, reused: 0, pooledBytes: 0 };
  /** Bytes of this class's blocks held by tensors now, and the most they ever held. */
  private liveBytes = 0;
  private liveHighWater = 0;

  /** `allocator` null: every array is a JS one (the addon predates `allocate`). */
  constructor(
    private readonly allocator: BlockAllocator | null,
    readonly minBytes = DEFAULT_MIN_BLOCK_BYTES,
    /** Bound of the pool in bytes; a lower bound applies from the next release (`drain` empties it now). */
    public poolBytes = defaultPoolBytes(),
  ) {}

  /** An array of `n` elements, zero-filled unless the caller writes every element (`overwritten`). */
  take(Ctor: TensorArrayConstructor, n: number, overwritten = false): TensorArray {
    const bytes = n * Ctor.BYTES_PER_ELEMENT;
    if (!this.allocator || bytes < this.minBytes) return new Ctor(n);
    const pooled = this.pool.get(bytes)?.pop();
    this.liveBytes += bytes;
    if (pooled) {
      this.pooledInOrder.delete(pooled);
      this.stats.pooledBytes -= bytes;
      this.stats.reused++;
      this.owned.add(pooled);
      const array = new Ctor(pooled);
      if (!overwritten) array.fill(0);
      return array;
    }
    this.makeRoom();
    const buffer = this.allocator.allocate(bytes, !overwritten);
    this.owned.add(buffer);
    this.stats.allocated++;
    return new Ctor(buffer);
  }

  /** The backend stored `values` as a tensor's data. */
  retain(values: unknown): void {
    const buffer = bufferOf(values);
    if (buffer) this.refs.set(buffer, (this.refs.get(buffer) ?? 0) + 1);
  }

  /** A tensor's data holding `values` was deleted: free its block if nothing else can see it. */
  release(values: unknown): void {
    const buffer = bufferOf(values);
    if (!buffer) return;
    const left = (this.refs.get(buffer) ?? 1) - 1;
    if (left > 0) {
      this.refs.set(buffer, left);
      return;
    }
    this.refs.delete(buffer);
    if (!this.owned.has(buffer)) return;
    this.owned.delete(buffer);
    const block = buffer as ArrayBuffer;
    this.liveBytes -= block.byteLength;
    if (block.byteLength > this.poolBytes) {
      this.free(block);
      return;
    }
    const sameSize = this.pool.get(block.byteLength);
    if (sameSize) sameSize.push(block);
    else this.pool.set(block.byteLength, [block]);
    this.pooledInOrder.add(block);
    this.stats.pooledBytes += block.byteLength;
    while (this.stats.pooledBytes > this.poolBytes) this.evictOldest();
  }

  /** Frees every block waiting in the pool (the backend is being disposed, or memory is wanted back). */
  drain(): void {
    while (this.pooledInOrder.size > 0) this.evictOldest();
  }

  /**
   * Before a new block: the pool gives up its oldest blocks until the live
   * tensors and the pool hold no more than the live tensors ever did alone, so
   * the pool never raises the process's peak (malloc hands the freed memory
   * to the new block). A step asking for the sizes it asked for before is
   * served from the pool and never gets here. Measured 5 Dec 2026 (2-core
   * EPYC, AVX2, bench at 64×128, three A/B pairs): peak RSS FCN8s step
   * 3,000–3,018 → 2,772–2,788 MiB, DeepLabV2 854–883 → 807–838 MiB, step
   * times within the runs' spread.
   */
  private makeRoom(): void {
    this.liveHighWater = Math.max(this.liveHighWater, this.liveBytes);
    while (this.pooledInOrder.size > 0 && this.liveBytes + this.stats.pooledBytes > this.liveHighWater) this.evictOldest();
  }

  private evictOldest(): void {
    const oldest = this.pooledInOrder.values().next().value as ArrayBuffer;
    this.pooledInOrder.delete(oldest);
    const sameSize = this.pool.get(oldest.byteLength) ?? [];
    sameSize.splice(sameSize.indexOf(oldest), 1);
    if (sameSize.length === 0) this.pool.delete(oldest.byteLength);
    this.stats.pooledBytes -= oldest.byteLength;
    this.free(oldest);
  }

  private free(buffer: ArrayBuffer): void {
    if (this.allocator?.release(buffer)) this.stats.released++;
  }

  /**
   * Whether only one tensor data can see `values`: a block of this class,
   * stored once, never handed out of the backend — a kernel may then
   * update it in place for the one tensor that owns it.
   */
  isPrivate(values: unknown): boolean {
    const buffer = bufferOf(values);
    return buffer !== null && this.owned.has(buffer) && this.refs.get(buffer) === 1;
  }

  /** `values` leaves the backend (read by a caller, who may keep it): never free its block early. */
  expose(values: unknown): void {
    const buffer = bufferOf(values);
    if (buffer && this.owned.delete(buffer)) {
      this.stats.exposed++;
      this.liveBytes -= buffer.byteLength;
    }
  }

  snapshot(): TensorArrayStats {
    return { ...this.stats };
  }
}

function bufferOf(values: unknown): ArrayBufferLike | null {
  return ArrayBuffer.isView(values) ? values.buffer : null;
}
