import { parseArgs } from 'node:util';
import type { JournalEntry } from '../observability/journal.js';
import { ADMIN_CONNECTION_USAGE, adminConnection, adminRequest } from './admin-client.js';

export const JOURNAL_USAGE = `Usage: zonal journal [options]

Lists the requests the server answered last (its request journal, root-only): time, operation,
bucket, key, how it was authenticated (SessionReadWrite, SessionReadOnly, IAM, Anonymous,
Unverified; "presigned" for query-string signatures), status, error code, milliseconds.

  --since <seq>        only entries after this sequence number (the "next" of a previous call)
  --op <name>          only this operation (e.g. GetObject, CreateSession)
  --bucket <name>      only this bucket
  --limit <n>          at most the n newest entries
  --format <format>    table (default) or json (the API's answer: pid, capacity, next, entries)
  --clear              forget every entry instead of listing
${ADMIN_CONNECTION_USAGE}`;

interface JournalAnswer {
  pid: number;
  capacity: number;
  next: number;
  entries: JournalEntry[];
}

/** One line per entry, columns separated by two spaces. */
export function formatJournal(entries: readonly JournalEntry[]): string {
  const rows = [['SEQ', 'TIME', 'OP', 'BUCKET', 'KEY', 'AUTH', 'STATUS', 'CODE', 'MS']];
  for (const e of entries) {
    rows.push([
      String(e.seq),
      e.time,
      e.op,
      e.bucket ?? '-',
      e.key ?? '-',
      `${e.auth ?? '-'}${e.presigned ? ' presigned' : ''}`,
      e.status === undefined ? '-' : String(e.status),
      e.code ?? (e.aborted ? 'aborted' : '-'),
      String(e.ms),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
    .join('\n');
}

/** `zonal journal`: prints the server's request journal. */
export async function journal(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(JOURNAL_USAGE);
    return 0;
  }
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      since: { type: 'string' },
      op: { type: 'string' },
      bucket: { type: 'string' },
      limit: { type: 'string' },
      format: { type: 'string' },
      clear: { type: 'boolean' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
      ca: { type: 'string' },
    },
  });
  const format = values.format ?? 'table';
  if (format !== 'table' && format !== 'json') throw new Error('--format must be table or json');
  const connection = adminConnection(values);
  if (values.clear) {
    await adminRequest(connection, 'DELETE', '/_zonal/journal');
    console.log('journal cleared');
    return 0;
  }
  const query = new URLSearchParams();
  for (const name of ['since', 'op', 'bucket', 'limit'] as const) {
    const value = values[name];
    if (value !== undefined) query.set(name, value);
  }
  const search = query.toString();
  const answer = (await adminRequest(
    connection,
    'GET',
    `/_zonal/journal${search ? `?${search}` : ''}`,
  )) as JournalAnswer;
  console.log(format === 'json' ? JSON.stringify(answer, null, 2) : formatJournal(answer.entries));
  return 0;
}
