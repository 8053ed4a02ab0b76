import type { Duplex, Readable } from 'node:stream';

/**
 * Pipes `source` through `stages` and returns the last one: an error anywhere fails every
 * stage after it (so the consumer of the last sees it), and a stage closed before it has
 * consumed everything destroys the ones before it. stream.pipeline() does the same, but on
 * every call it sets up an AbortController, end-of-stream watchers on each stream and, when
 * done, an AbortError with a stack trace; for a 4 KiB PUT that showed as ~8% of the CPU in the
 * profile (bench/README.md).
 */
export function chain(source: Readable, ...stages: Duplex[]): Readable {
  let from = source;
  for (const stage of stages) {
    const upstream = from;
    upstream.on('error', (err) => stage.destroy(err));
    stage.once('close', () => {
      if (!upstream.destroyed && !upstream.readableEnded) upstream.destroy();
    });
    upstream.pipe(stage);
    from = stage;
  }
  return from;
}
