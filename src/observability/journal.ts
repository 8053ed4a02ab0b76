/**
 * The request journal: the last N requests a server answered, in memory, for tests to assert
 * on ("every GetObject used a session", "one CreateSession for 1,000 requests") through the
 * root-only admin API (`GET /_zonal/journal`, `zonal journal`). A ring: the oldest entry makes
 * room for the newest. An entry holds what the request asked for and how it was answered and
 * signed, never a secret, session token or signature (the fields are listed here and nowhere
 * else; the access key id is an identifier, not a secret).
 */

/**
 * How a request was authenticated: with S3 Express session credentials (and the session's
 * mode), with IAM credentials, not at all (no signature: `Anonymous`), or with a signature
 * that did not verify (`Unverified`, e.g. a bad or expired one).
 */
export type AuthKind = 'SessionReadWrite' | 'SessionReadOnly' | 'IAM' | 'Anonymous' | 'Unverified';

export interface JournalEntry {
  /** Position in the journal, increasing by one per request recorded (a cursor for `since`). */
  seq: number;
  /** When the request arrived (ISO 8601). */
  time: string;
  reqId: string;
  method: string;
  /** Operation name (GetObject, CreateSession, …), IAM/STS, Metrics, or Unknown. */
  op: string;
  bucket?: string;
  key?: string;
  /** Absent for IAM/STS Query API requests, which authenticate in their own front end. */
  auth?: AuthKind;
  /** Signed in the query string (a presigned URL) rather than the Authorization header. */
  presigned?: true;
  /** The signing access key id (IAM or session key), once the signature verified. */
  accessKeyId?: string;
  /** HTTP status sent; absent if the connection ended before headers were sent. */
  status?: number;
  /** S3 error code when the request failed. */
  code?: string;
  /** Present when the response never completed (client gone, connection cut). */
  aborted?: true;
  /** Milliseconds from request headers received to response finished. */
  ms: number;
  /** The fault rule that changed this request's answer (see the fault injection API). */
  fault?: string;
}

/** What `entries` selects; every field narrows. */
export interface JournalQuery {
  /** Entries with a `seq` greater than this. */
  since?: number;
  op?: string;
  bucket?: string;
  /** At most this many, the newest ones. */
  limit?: number;
}

/** Entries kept when no size is configured. */
export const DEFAULT_JOURNAL_SIZE = 1000;

export class RequestJournal {
  private readonly ring: (JournalEntry | undefined)[];
  /** seq of the next entry; entries seq-capacity … seq-1 are in the ring. */
  private next = 1;

  constructor(readonly capacity: number = DEFAULT_JOURNAL_SIZE) {
    this.ring = new Array<JournalEntry | undefined>(capacity);
  }

  /** Records one answered request (a no-op for a journal of size 0). */
  add(entry: Omit<JournalEntry, 'seq'>): void {
    if (this.capacity === 0) return;
    const seq = this.next++;
    this.ring[seq % this.capacity] = { seq, ...entry };
  }

  /** The `seq` the next entry will get: `entries({ since: mark() - 1 })` is what comes after now. */
  mark(): number {
    return this.next;
  }

  /** Entries, oldest first. */
  entries(query: JournalQuery = {}): JournalEntry[] {
    const out: JournalEntry[] = [];
    const first = Math.max(1, this.next - this.capacity, (query.since ?? 0) + 1);
    for (let seq = first; seq < this.next; seq++) {
      const entry = this.ring[seq % this.capacity];
      if (entry === undefined || entry.seq !== seq) continue;
      if (query.op !== undefined && entry.op !== query.op) continue;
      if (query.bucket !== undefined && entry.bucket !== query.bucket) continue;
      out.push(entry);
    }
    return query.limit !== undefined && out.length > query.limit ? out.slice(out.length - query.limit) : out;
  }

  /** Forgets every entry (sequence numbers keep counting). */
  clear(): void {
    this.ring.fill(undefined);
  }
}
