import { S3Error } from '../errors/s3-error.js';
import { parsePolicy, PolicyError, type ParsedPolicy } from './policy/index.js';
import { globFromText, globMatch } from './policy/wildcard.js';

/** S3's limit on a bucket policy document. */
export const MAX_BUCKET_POLICY_BYTES = 20 * 1024;

export const malformedPolicy = (message: string): S3Error => new S3Error('MalformedPolicy', message);

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/**
 * Validates a directory-bucket policy (AWS: "Example bucket policies for directory buckets",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-express-security-iam-example-bucket-policies.html;
 * Zonal's rules: docs/COMPATIBILITY.md): well-formed JSON policy with a Principal in
 * every statement (the parser's resource-policy rules), only `s3express:` actions, and
 * resources that name this bucket. Anything else is `MalformedPolicy`, and nothing is stored.
 */
export function validateBucketPolicy(text: string, bucketArn: string): ParsedPolicy {
  let parsed: ParsedPolicy;
  try {
    parsed = parsePolicy(text, 'resource', { maxBytes: MAX_BUCKET_POLICY_BYTES });
  } catch (err) {
    if (err instanceof PolicyError) throw malformedPolicy(err.message);
    throw err;
  }
  // The parser accepted the JSON, so this parse cannot fail.
  const document = JSON.parse(text) as { Statement: unknown };
  for (const statement of asList(document.Statement) as Record<string, unknown>[]) {
    for (const action of asList(statement.Action ?? statement.NotAction)) {
      if (typeof action !== 'string' || !action.toLowerCase().startsWith('s3express:')) {
        throw malformedPolicy(
          `Policy has invalid action: ${String(action)} (directory buckets take s3express: actions only)`,
        );
      }
    }
    for (const resource of asList(statement.Resource ?? statement.NotResource)) {
      if (typeof resource !== 'string' || !globMatch(globFromText(resource), bucketArn)) {
        throw malformedPolicy(`Policy has invalid resource: ${String(resource)} (must name ${bucketArn})`);
      }
    }
  }
  return parsed;
}
