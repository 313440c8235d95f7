/**
 * The ways JS detaches an ArrayBuffer that markAsUntransferable does not stop. Each returns the
 * new ArrayBuffer that the bytes moved to.
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ReadableStream } from 'node:stream/web';

/**
 * A BYOB read of a byte stream into all of `buffer`: the stream detaches `buffer` and writes
 * `chunk` into the start of the read's result, whose ArrayBuffer is returned.
 */
export async function detachByByobRead(buffer: ArrayBuffer, chunk: number[]): Promise<ArrayBuffer> {
  const stream = new ReadableStream({
    type: 'bytes',
    start(controller) {
      controller.enqueue(new Uint8Array(chunk));
      controller.close();
    },
  });
  const { value } = await stream.getReader({ mode: 'byob' }).read(new Uint8Array(buffer));
  if (value === undefined) throw new Error('the BYOB read returned no view');
  return value.buffer;
}

type Transfer = (this: ArrayBuffer) => ArrayBuffer;

/** `ArrayBuffer.prototype.transfer()` of `buffer`. */
export function detachByTransfer(buffer: ArrayBuffer): ArrayBuffer {
  return transfer().call(buffer);
}

// Built in from Node 21. Node 20 has it behind a V8 flag, which only contexts created after setting
// it see; that context's transfer() detaches buffers of any realm.
function transfer(): Transfer {
  const builtIn = (ArrayBuffer.prototype as { transfer?: Transfer }).transfer;
  if (builtIn !== undefined) return builtIn;
  setFlagsFromString('--harmony-rab-gsab-transfer');
  return runInNewContext('ArrayBuffer.prototype.transfer') as Transfer;
}
