/**
 * Reuse of the native backend's large output arrays.
 *
 * Every kernel output on the native backend is a JS typed array. A fresh
 * `new Float32Array(n)` of many MB is fresh memory (mmap or a grown malloc
 * heap) whose pages the kernel then faults in, and a disposed tensor's array
 * is only released when V8's garbage collector next runs, so resident memory
 * runs far above the live tensors' bytes during a training step. This pool
 * keeps the arrays of disposed tensors (≥ `minBytes`, up to `limitBytes` in
 * all) and hands them to the next output of the same type and length.
 *
 * An array is pooled only when nothing else can still see it:
 * - the pool allocated it (never an array a caller passed to `tf.tensor`);
 * - no tensor data still refers to its buffer (counted per ArrayBuffer as
 *   the backend stores values, so a kernel that stores a view of another
 *   tensor's buffer keeps that buffer out of the pool);
 * - it was never handed out of the backend (`readSync`, i.e. `dataSync`,
 *   `data`, `arraySync`, `bufferSync`: the caller may keep it).
 * A reused array is zero-filled before it is handed out, unless the caller
 * states that it writes every element — so a kernel that leaves part of its
 * output untouched never sees another tensor's values.
 */
export type PooledArray = Float32Array | Int32Array | Uint8Array;
export type PooledArrayConstructor = new (n: number) => PooledArray;

export interface ArrayPoolStats {
  /** Bytes of free arrays held. */
  bytes: number;
  /** Free arrays held. */
  arrays: number;
  /** Outputs served from the pool. */
  reused: number;
  /** Pool-eligible outputs newly allocated. */
  allocated: number;
}

export class ArrayPool {
  private readonly free = new Map<string, PooledArray[]>();
  private readonly owned = new WeakSet<ArrayBufferLike>();
  private readonly refs = new WeakMap<ArrayBufferLike, number>();
  private stats: ArrayPoolStats = { bytes: 0, arrays: 0, reused: 0, allocated: 0 };

  /** `limitBytes` of free arrays at most; arrays below `minBytes` are left to the GC. */
  constructor(
    readonly limitBytes: number,
    readonly minBytes = 1 << 20,
  ) {}

  /** An array of `n` elements: a pooled one (zero-filled unless `overwritten`) or a new one. */
  take(Ctor: PooledArrayConstructor, n: number, overwritten = false): PooledArray {
    const bytes = n * (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    if (bytes < this.minBytes || this.limitBytes <= 0) return new Ctor(n);
    const list = this.free.get(key(Ctor.name, n));
    const reused = list?.pop();
    if (reused) {
      this.stats.bytes -= reused.byteLength;
      this.stats.arrays--;
      this.stats.reused++;
      if (!overwritten) reused.fill(0);
      this.owned.add(reused.buffer);
      return reused;
    }
    const fresh = new Ctor(n);
    this.owned.add(fresh.buffer);
    this.stats.allocated++;
    return fresh;
  }

  /** The backend stored `values` as a tensor's data. */
  retain(values: unknown): void {
    const buffer = bufferOf(values);
    if (buffer) this.refs.set(buffer, (this.refs.get(buffer) ?? 0) + 1);
  }

  /** A tensor's data holding `values` was deleted: pool the array if nothing else can see it. */
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
    const array = values as PooledArray;
    // Only whole-buffer arrays (what take() made); never past the limit.
    if (array.byteOffset !== 0 || array.byteLength !== buffer.byteLength) return;
    if (this.stats.bytes + array.byteLength > this.limitBytes) return;
    this.owned.delete(buffer); // owned again when handed out
    const k = key(array.constructor.name, array.length);
    const list = this.free.get(k);
    if (list) list.push(array);
    else this.free.set(k, [array]);
    this.stats.bytes += array.byteLength;
    this.stats.arrays++;
  }

  /** `values` leaves the backend (read by a caller, who may keep it): never pool its buffer. */
  expose(values: unknown): void {
    const buffer = bufferOf(values);
    if (buffer) this.owned.delete(buffer);
  }

  /** Drops every free array (the GC then returns their memory). */
  clear(): void {
    this.free.clear();
    this.stats.bytes = 0;
    this.stats.arrays = 0;
  }

  snapshot(): ArrayPoolStats {
    return { ...this.stats };
  }
}

function key(ctorName: string, n: number): string {
  return `${ctorName}:${n}`;
}

function bufferOf(values: unknown): ArrayBufferLike | null {
  return ArrayBuffer.isView(values) ? values.buffer : null;
}
