import { malformedXml, parseXml, S3_XMLNS } from '../protocol/xml.js';
import { readSmallBody } from '../http/request-body.js';
import type { RequestContext } from '../http/request-context.js';
import { sendEmpty, sendXml } from '../http/respond.js';
import { invalidArgument } from '../errors/s3-error.js';
import type { ZonalServices } from './services.js';
import type { BucketRecord, ServerSideEncryption } from '../storage/types.js';
import { existingBucket } from './lookups.js';

const MAX_CONFIGURATION_BYTES = 16 * 1024;

function child(node: unknown, name: string): Record<string, unknown> {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) throw malformedXml();
  const value = (node as Record<string, unknown>)[name];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformedXml();
  return value as Record<string, unknown>;
}

/**
 * Reads a ServerSideEncryptionConfiguration with exactly one rule. SSE-S3 or SSE-KMS with a
 * key id or ARN (aliases are refused, as AWS does for directory buckets); a bucket keeps the
 * one KMS key it was first given for its lifetime.
 */
function parseConfiguration(xml: string, bucket: BucketRecord): ServerSideEncryption {
  const rule = child(child(parseXml(xml), 'ServerSideEncryptionConfiguration'), 'Rule');
  const apply = child(rule, 'ApplyServerSideEncryptionByDefault');
  const algorithm = apply.SSEAlgorithm;
  const keyId = apply.KMSMasterKeyID;
  if (algorithm === 'AES256') {
    if (keyId !== undefined)
      throw invalidArgument('KMSMasterKeyID is only valid with aws:kms.', 'KMSMasterKeyID', String(keyId));
    // Remember a KMS key once chosen: it stays the bucket's only permitted key.
    return bucket.encryption?.kmsKeyId === undefined
      ? { algorithm }
      : { algorithm, kmsKeyId: bucket.encryption.kmsKeyId };
  }
  if (algorithm !== 'aws:kms') {
    throw invalidArgument(
      'The encryption algorithm must be AES256 or aws:kms for directory buckets.',
      'SSEAlgorithm',
      String(algorithm),
    );
  }
  if (typeof keyId !== 'string' || keyId === '' || keyId.startsWith('alias/') || keyId.includes(':alias/')) {
    throw invalidArgument(
      'SSE-KMS needs a KMS key id or key ARN (not an alias).',
      'KMSMasterKeyID',
      String(keyId ?? ''),
    );
  }
  const previous = bucket.encryption?.kmsKeyId;
  if (previous !== undefined && previous !== keyId) {
    throw invalidArgument(
      'A directory bucket can use only one customer managed KMS key for its lifetime.',
      'KMSMasterKeyID',
      keyId,
    );
  }
  return { algorithm, kmsKeyId: keyId };
}

export async function putBucketEncryption(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  const body = await readSmallBody(ctx, MAX_CONFIGURATION_BYTES, services.bodyBudget);
  await services.store.setBucketEncryption(bucket.name, parseConfiguration(body.toString('utf8'), bucket));
  sendEmpty(ctx, 200);
}

export async function getBucketEncryption(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const enc = await (await existingBucket(ctx, services)).encryption;
  const kms = enc?.algorithm === 'aws:kms';
  sendXml(ctx, 200, {
    ServerSideEncryptionConfiguration: {
      '@_xmlns': S3_XMLNS,
      Rule: {
        ApplyServerSideEncryptionByDefault: kms
          ? { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: enc.kmsKeyId }
          : { SSEAlgorithm: 'AES256' },
        BucketKeyEnabled: kms,
      },
    },
  });
}

/** Back to the SSE-S3 default; a KMS key once used stays recorded as the bucket's only key. */
export async function deleteBucketEncryption(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  const keyId = bucket.encryption?.kmsKeyId;
  await services.store.setBucketEncryption(
    bucket.name,
    keyId === undefined ? undefined : { algorithm: 'AES256', kmsKeyId: keyId },
  );
  sendEmpty(ctx, 204);
}
