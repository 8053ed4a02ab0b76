/**
 * A PostgreSQL connection LISTENing on one channel, kept up for as long as it is open: when the
 * connection breaks it is made again every RETRY_MS until one attempt succeeds (the database
 * may still be down at the first ones). The cluster's bucket cache and shared identities
 * listen this way.
 */
import pg from 'pg';

const RETRY_MS = 500;

export interface ChannelListenerOptions {
  url: string;
  /** A plain identifier (it is written into the LISTEN statement). */
  channel: string;
  onNotification(payload: string | undefined): void;
  /** Each time the connection is (re)established: notifications sent meanwhile were missed. */
  onConnected(): void;
  /** A connection (or an attempt at one) broke; a new one is on its way. */
  onLost(): void;
}

export interface ChannelListener {
  close(): void;
}

/** Resolves once the first connection listens; rejects if that first attempt fails. */
export async function listenToChannel(options: ChannelListenerOptions): Promise<ChannelListener> {
  let closed = false;
  let current: pg.Client | undefined;
  const reconnectSoon = (): void => {
    if (!closed) setTimeout(() => void connect().catch(reconnectSoon), RETRY_MS).unref();
  };
  const connect = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: options.url });
    client.on('notification', (n) => options.onNotification(n.payload));
    client.on('error', () => {
      options.onLost();
      client.end().catch(() => undefined);
      // An attempt still connecting fails through its own promise, which retries.
      if (current !== client) return;
      current = undefined;
      reconnectSoon();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${options.channel}`);
    } catch (err) {
      client.end().catch(() => undefined);
      throw err;
    }
    if (closed) {
      await client.end();
      return;
    }
    current = client;
    options.onConnected();
  };
  await connect();
  return {
    close() {
      closed = true;
      current?.end().catch(() => undefined);
    },
  };
}
