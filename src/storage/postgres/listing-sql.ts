/**
 * Object listings as one server-side query: a recursive skip-scan. Each step is one index
 * probe for the next key at or after a position; a key below a delimiter yields its common
 * prefix and the next probe jumps past every key under it. 200 common prefixes over 100k keys
 * cost one round trip instead of 200.
 *
 * Positions are bytes: "strictly after k" is `k || 0x00` (the smallest longer string), "past
 * every key under the prefix p/" is p with its final `/` (0x2F) raised to `0` (0x30).
 */
import { SUMMARY_SELECT } from './pg-rows.js';

/**
 * Parameters: $1 bucket, $2 first position (inclusive), $3 prefix length in bytes, $4 end of
 * the prefix range (exclusive; NULL: none), $5 roll up at `/`, $6 entries to return at most.
 * Each row: the object's summary columns, and `at`, the 1-based position of the first `/`
 * after the prefix (0: the key is an object of the page, not a common prefix).
 */
export const LIST_OBJECTS_SQL = `
WITH RECURSIVE walk AS (
  (SELECT 1 AS n, o.*, CASE WHEN $5::boolean THEN position(decode('2f', 'hex') IN substring(o.key FROM $3::int + 1)) ELSE 0 END AS at
   FROM (SELECT ${SUMMARY_SELECT} FROM objects
         WHERE bucket = $1 AND key >= $2::bytea AND ($4::bytea IS NULL OR key < $4::bytea)
         ORDER BY key LIMIT 1) o)
  UNION ALL
  SELECT w.n + 1, o.*, CASE WHEN $5::boolean THEN position(decode('2f', 'hex') IN substring(o.key FROM $3::int + 1)) ELSE 0 END
  FROM walk w CROSS JOIN LATERAL (
    SELECT ${SUMMARY_SELECT} FROM objects
    WHERE bucket = $1
      AND key >= CASE WHEN w.at > 0 THEN substring(w.key FROM 1 FOR $3::int + w.at - 1) || decode('30', 'hex')
                      ELSE w.key || decode('00', 'hex') END
      AND ($4::bytea IS NULL OR key < $4::bytea)
    ORDER BY key LIMIT 1) o
  WHERE w.n < $6::int
)
SELECT * FROM walk ORDER BY n`;

/** The smallest byte string above every string that starts with `prefix`; undefined if none. */
export function bytesSuccessor(prefix: Buffer): Buffer | undefined {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === 0xff) end--;
  if (end === 0) return undefined;
  const next = Buffer.from(prefix.subarray(0, end));
  next[end - 1]! += 1;
  return next;
}
