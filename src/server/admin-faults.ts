/**
 * `/_zonal/faults`: fault injection rules (faults.ts) over the admin API. Refused (400
 * InvalidRequest) unless the server was started with `--faults`.
 *
 * - `POST /_zonal/faults` with a rule → 201 the rule with its `id` and `expiresAt`.
 * - `GET /_zonal/faults` → `{ rules }` (expired ones dropped).
 * - `DELETE /_zonal/faults` → `{ cleared: n }`; `DELETE /_zonal/faults/<id>` → `{ removed: id }`.
 */
import { invalidArgument, invalidRequest } from '../errors/s3-error.js';
import type { AdminRoute } from './admin-api.js';
import type { FaultRules } from './faults.js';

export function faultRoutes(faults: FaultRules): AdminRoute[] {
  const enabled = (): void => {
    if (!faults.enabled)
      throw invalidRequest(
        'Fault injection is off: start the server with --faults (startZonal: faults: true).',
      );
  };
  return [
    {
      method: 'POST',
      path: 'faults',
      handle: ({ body }) => {
        enabled();
        return { status: 201, body: faults.add(body) };
      },
    },
    {
      method: 'GET',
      path: 'faults',
      handle: () => {
        enabled();
        return { body: { rules: faults.list() } };
      },
    },
    {
      method: 'DELETE',
      path: 'faults',
      handle: () => {
        enabled();
        const n = faults.list().length;
        faults.clear();
        return { body: { cleared: n } };
      },
    },
    {
      method: 'DELETE',
      path: 'faults/:id',
      handle: ({ id }) => {
        enabled();
        if (!faults.remove(id!)) throw invalidArgument(`No fault rule ${id}.`, 'id', id);
        return { body: { removed: id } };
      },
    },
  ];
}
