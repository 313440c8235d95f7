/**
 * JS-owned memory of each kind the facade registers by its ArrayBuffer, and a byte pattern that
 * shows whether that memory was left alone.
 */

/** A fresh piece of JS-owned memory of each kind, by name. */
export const jsOwnedMemory = {
  'a plain ArrayBuffer': () => new ArrayBuffer(4096),
  'a Buffer.alloc Buffer': () => Buffer.alloc(12288),
  'a Uint8Array': () => new Uint8Array(4096),
} satisfies Record<string, () => ArrayBuffer | Uint8Array>;

/** A name of {@link jsOwnedMemory}. */
export type JsMemoryKind = keyof typeof jsOwnedMemory;

/** The names of {@link jsOwnedMemory}, for `it.each`. */
export const jsMemoryKinds = Object.keys(jsOwnedMemory) as JsMemoryKind[];

/** The ArrayBuffer under `memory`, the one a detach takes the bytes from. */
export function bufferOf(memory: ArrayBuffer | Uint8Array): ArrayBuffer {
  return memory instanceof Uint8Array ? (memory.buffer as ArrayBuffer) : memory;
}

/** `length` bytes of the pattern. */
export function pattern(length: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => (i * 7 + 3) & 0xff));
}

/** Writes the pattern over all of `buffer`. */
export function writePattern(buffer: ArrayBuffer): void {
  pattern(buffer.byteLength).copy(new Uint8Array(buffer));
}

/** Whether all `length` bytes of `buffer` still hold the pattern. */
export function holdsPattern(buffer: ArrayBuffer, length: number): boolean {
  return buffer.byteLength === length && pattern(length).equals(new Uint8Array(buffer));
}
