import { PassThrough, type Readable } from 'node:stream';

const prematureClose = (): Error =>
  Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });

/**
 * Reads `source` until it ends or more than `limit` bytes have come. Ended: the bytes. Else
 * `rest`, a stream of everything (the bytes read so far, then the remainder of `source`);
 * destroying `rest` destroys `source`. Rejects with the source's error, or when it closes
 * without ending. Plain listeners rather than an async iterator: this runs on every write,
 * and the iterator's abort-signal machinery showed in the PUT profile.
 */
export function readHead(source: Readable, limit: number): Promise<{ bytes: Buffer; rest?: Readable }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const detach = (): void => {
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', onError);
      source.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size <= limit) return;
      source.pause();
      detach();
      resolve({ bytes: Buffer.alloc(0), rest: everything(source, chunks) });
    };
    const onEnd = (): void => {
      detach();
      resolve({ bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    };
    const onError = (err: Error): void => {
      detach();
      reject(err);
    };
    const onClose = (): void => {
      detach();
      reject(prematureClose());
    };
    source.on('data', onData);
    source.once('end', onEnd);
    source.once('error', onError);
    source.once('close', onClose);
  });
}

/** `head` then the rest of `source`, failing with the source's failures. */
function everything(source: Readable, head: readonly Buffer[]): Readable {
  const out = new PassThrough();
  for (const chunk of head) out.write(chunk);
  source.once('error', (err) => out.destroy(err));
  source.once('close', () => {
    if (!source.readableEnded) out.destroy(prematureClose());
  });
  // Stopped early (the write failed): the source is destroyed too.
  out.once('close', () => {
    if (!source.destroyed && !source.readableEnded) source.destroy();
  });
  source.pipe(out);
  return out;
}
