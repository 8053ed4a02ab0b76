/**
 * `POST /_zonal/explain`: `zonal iam explain` over the admin API (root-only), for the web
 * console's "why was this denied?" simulator.
 *
 * Body `{ "principal": "<user ARN, root ARN or access key id>", "bucket": "<name>",
 * "action"?: "s3express:CreateSession", "mode"?: "ReadWrite" | "ReadOnly" }` →
 * `{ explanations: [{ principal, action, resource, mode?, decision: { allowed, reason, matched } }] }`.
 */
import { explainAccess, resolvePrincipal } from '../access/explain.js';
import { invalidArgument, noSuchBucket } from '../errors/s3-error.js';
import type { ZonalServices } from '../operations/services.js';
import type { AdminRoute } from './admin-api.js';

const ACTION = /^s3express:[A-Za-z]{1,64}$/;

function stringField(body: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = body[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > 2048)
    throw invalidArgument(`${name} must be a non-empty string.`, name, String(value));
  return value;
}

export function explainRoutes(services: ZonalServices): AdminRoute[] {
  return [
    {
      method: 'POST',
      path: 'explain',
      handle: async ({ body }) => {
        if (typeof body !== 'object' || body === null || Array.isArray(body))
          throw invalidArgument('The explain request body must be a JSON object.');
        const fields = body as Record<string, unknown>;
        const principal = stringField(fields, 'principal', true)!;
        const bucketName = stringField(fields, 'bucket', true)!;
        const action = stringField(fields, 'action', false);
        if (action !== undefined && !ACTION.test(action))
          throw invalidArgument(
            'action must be an s3express action, e.g. s3express:CreateSession.',
            'action',
            action,
          );
        const mode = stringField(fields, 'mode', false);
        if (mode !== undefined && mode !== 'ReadWrite' && mode !== 'ReadOnly')
          throw invalidArgument('mode must be ReadWrite or ReadOnly.', 'mode', mode);
        const identity = resolvePrincipal(services.identities, principal);
        if (!identity)
          throw invalidArgument('No such user, account or active access key.', 'principal', principal);
        const bucket = await services.store.getBucket(bucketName);
        if (!bucket) throw noSuchBucket(bucketName);
        const explanations = explainAccess(services.identities, {
          identity,
          bucket,
          region: services.config.region,
          ...(action !== undefined ? { action } : {}),
          ...(mode !== undefined ? { mode } : {}),
          now: services.clock.now(),
        });
        return { body: { explanations } };
      },
    },
  ];
}
