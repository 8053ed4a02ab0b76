/** What every backend shares about access point records. */
import type { AccessPointChange, AccessPointRecord } from './types.js';

/** The record after `change`: each field present replaces, null removes, an empty tag list clears. */
export function applyAccessPointChange(
  current: AccessPointRecord,
  change: AccessPointChange,
): AccessPointRecord {
  const next: AccessPointRecord = { ...current };
  if (change.policy !== undefined) {
    if (change.policy === null) delete next.policy;
    else next.policy = change.policy;
  }
  if (change.scope !== undefined) {
    if (change.scope === null) delete next.scope;
    else next.scope = { prefixes: [...change.scope.prefixes], permissions: [...change.scope.permissions] };
  }
  if (change.tags !== undefined) {
    if (change.tags.length === 0) delete next.tags;
    else next.tags = change.tags.map((t) => ({ ...t }));
  }
  return next;
}
