/**
 * `/_zonal/journal`: the request journal (observability/journal.ts) over the admin API.
 *
 * - `GET /_zonal/journal?since=<seq>&op=<name>&bucket=<name>&limit=<n>` → `{ pid, capacity,
 *   next, entries }`, oldest first; `next` is the `since` that returns only newer entries.
 * - `DELETE /_zonal/journal` → `{ cleared: true, next }`.
 *
 * With `--workers`, each worker has its own journal and answers with it alone (`pid` says which).
 */
import type { RequestJournal } from '../observability/journal.js';
import { integerParam, type AdminRoute } from './admin-api.js';

export function journalRoutes(journal: RequestJournal): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: 'journal',
      handle: ({ query }) => {
        const since = integerParam(query, 'since');
        const limit = integerParam(query, 'limit');
        const op = query.get('op');
        const bucket = query.get('bucket');
        return {
          body: {
            pid: process.pid,
            capacity: journal.capacity,
            next: journal.mark() - 1,
            entries: journal.entries({
              ...(since !== undefined ? { since } : {}),
              ...(limit !== undefined ? { limit } : {}),
              ...(op !== null ? { op } : {}),
              ...(bucket !== null ? { bucket } : {}),
            }),
          },
        };
      },
    },
    {
      method: 'DELETE',
      path: 'journal',
      handle: () => {
        journal.clear();
        return { body: { cleared: true, next: journal.mark() - 1 } };
      },
    },
  ];
}
