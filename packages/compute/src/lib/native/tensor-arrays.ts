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
}

/** Outputs below this many bytes are plain JS arrays: the allocator's call costs more than it saves. */
export const DEFAULT_MIN_BLOCK_BYTES = 16 * 1024;

export class TensorArrays {
  private readonly owned = new WeakSet<ArrayBufferLike>();
  private readonly refs = new WeakMap<ArrayBufferLike, number>();
  private readonly stats: TensorArrayStats = { allocated: 0, released: 0, exposed: 0 };

  /** `allocator` null: every array is a JS one (the addon predates `allocate`). */
  constructor(
    private readonly allocator: BlockAllocator | null,
    readonly minBytes = DEFAULT_MIN_BLOCK_BYTES,
  ) {}

  /** An array of `n` elements, zero-filled unless the caller writes every element (`overwritten`). */
  take(Ctor: TensorArrayConstructor, n: number, overwritten = false): TensorArray {
    const bytes = n * Ctor.BYTES_PER_ELEMENT;
    if (!this.allocator || bytes < this.minBytes) return new Ctor(n);
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
    if (this.allocator?.release(buffer as ArrayBuffer)) this.stats.released++;
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
    if (buffer && this.owned.delete(buffer)) this.stats.exposed++;
  }

  snapshot(): TensorArrayStats {
    return { ...this.stats };
  }
}

function bufferOf(values: unknown): ArrayBufferLike | null {
  return ArrayBuffer.isView(values) ? values.buffer : null;
}
