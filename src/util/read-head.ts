import { Readable } from 'node:stream';

/**
 * Reads `source` until it ends or more than `limit` bytes have come. Ended: the bytes. Else
 * `rest`, a stream of everything (the bytes read so far, then the remainder of `source`).
 */
export async function readHead(source: Readable, limit: number): Promise<{ bytes: Buffer; rest?: Readable }> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let size = 0;
  while (size <= limit) {
    const next = await iterator.next();
    if (next.done) return { bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) };
    chunks.push(next.value);
    size += next.value.length;
  }
  async function* everything(): AsyncGenerator<Buffer> {
    try {
      yield* chunks;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      // Stopped early (the write failed): the source is destroyed too.
      await iterator.return?.();
    }
  }
  return { bytes: Buffer.alloc(0), rest: Readable.from(everything(), { objectMode: false }) };
}
