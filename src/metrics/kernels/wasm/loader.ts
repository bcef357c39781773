/**
 * The WebAssembly SIMD kernels (built from wasm/*.ts by `npm run build:wasm`), loaded synchronously and
 * lazily, once per thread: module state is per thread, so each metric worker compiles its own copy on first
 * use. The pure-JS kernels stay the reference and the fallback: with TEMPORALCI_KERNELS=js, or where the
 * engine lacks WebAssembly SIMD (the module then fails validation), `wasmKernels()` returns undefined.
 */
import { readFileSync } from 'node:fs';

/** The slice of the WebAssembly JS API used here (lib ES2023 and @types/node 20 do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}

interface Exports {
  memory: WasmMemory;
  heapBase(): number;
  ssimPlaneSum(a: number, b: number, width: number, height: number, stride: number, rows: number): number;
}

/** A kernel instance plus a view of its memory, grown on demand (growing detaches old views). */
export class WasmKernels {
  private bytes: Uint8Array;
  private readonly base: number;

  constructor(private readonly exports: Exports) {
    this.base = exports.heapBase();
    this.bytes = new Uint8Array(exports.memory.buffer);
  }

  /** Memory from `base` with at least `size` bytes, as a fresh byte view of the whole memory. */
  private reserve(size: number): Uint8Array {
    const need = this.base + size;
    const have = this.exports.memory.buffer.byteLength;
    if (need > have) this.exports.memory.grow(Math.ceil((need - have) / 65536));
    if (this.bytes.buffer !== this.exports.memory.buffer)
      this.bytes = new Uint8Array(this.exports.memory.buffer);
    return this.bytes;
  }

  /**
   * Σ of the 8×8 window SSIMs of one 8-bit plane pair (geometry already checked by the caller, width and
   * height ≥ 8). Each plane is copied into wasm memory once; the whole plane loop runs in wasm.
   */
  ssimPlaneSum(a: Uint8Array, b: Uint8Array, width: number, height: number, stride: number): number {
    const n = (height - 1) * stride + width;
    const padded = (n + 15) & ~15;
    const rowsBytes = 2 * 4 * (width >> 2) * 4;
    const mem = this.reserve(2 * padded + rowsBytes);
    const pa = this.base;
    const pb = pa + padded;
    mem.set(a.subarray(0, n), pa);
    mem.set(b.subarray(0, n), pb);
    return this.exports.ssimPlaneSum(pa, pb, width, height, stride, pb + padded);
  }
}

let cached: WasmKernels | null | undefined;

function load(): WasmKernels | null {
  if (process.env.TEMPORALCI_KERNELS === 'js') return null;
  // `node --jitless` has no WebAssembly at all.
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (api === undefined) return null;
  const bytes = readFileSync(new URL('./kernels.wasm', import.meta.url));
  // A missing file is a broken install and throws; an engine without SIMD rejects the module, so fall back.
  if (!api.validate(bytes)) return null;
  const instance = new api.Instance(new api.Module(bytes), {});
  return new WasmKernels(instance.exports as unknown as Exports);
}

/** The kernels of this thread, compiled on first call; undefined means "use the JS kernels". */
export function wasmKernels(): WasmKernels | undefined {
  if (cached === undefined) cached = load();
  return cached ?? undefined;
}
