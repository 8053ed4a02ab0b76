import { randomBytes } from '../auth/random-ids.js';
import { bucketArn, parseDirectoryBucketName, type DirectoryBucketName } from '../protocol/bucket-names.js';
import { malformedXml, parseXml, S3_XMLNS } from '../protocol/xml.js';
import { header, type RequestContext } from '../http/request-context.js';
import { readSmallBody } from '../http/request-body.js';
import { sendEmpty, sendXml } from '../http/respond.js';
import { invalidArgument, notImplemented, S3Error } from '../errors/s3-error.js';
import { requestTagKeys } from '../access/condition-context.js';
import type { ResourceTag } from '../storage/types.js';
import { checkTags, tagsFromXml } from './control/tags.js';
import type { ZonalServices } from './services.js';
import { decodeToken, encodeToken } from './continuation-token.js';
import { callerAccountId, existingBucket } from './lookups.js';
import { creationSessionId } from '../access/request-authorizer.js';

/** CreateBucketConfiguration is tiny; anything bigger is not one. */
const MAX_CONFIGURATION_BYTES = 64 * 1024;
const MAX_DIRECTORY_BUCKETS_PAGE = 1000;

/**
 * Headers of general purpose CreateBucket that directory buckets do not support ("CreateBucket",
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html).
 */
const UNSUPPORTED_CREATE_HEADERS = [
  'x-amz-acl',
  'x-amz-grant-full-control',
  'x-amz-grant-read',
  'x-amz-grant-read-acp',
  'x-amz-grant-write',
  'x-amz-grant-write-acp',
  'x-amz-object-ownership',
];

const invalidBucketName = (bucket: string): S3Error =>
  new S3Error('InvalidBucketName', undefined, { BucketName: bucket });

export async function createBucket(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const name = ctx.target.bucket!;
  const parsed = parseDirectoryBucketName(name);
  if (!parsed) throw invalidBucketName(name);
  for (const h of UNSUPPORTED_CREATE_HEADERS) {
    if (ctx.req.headers[h] !== undefined)
      throw notImplemented(`The ${h} header is not supported for directory buckets.`);
  }
  if (header(ctx, 'x-amz-bucket-object-lock-enabled')?.toLowerCase() === 'true') {
    throw notImplemented('Object Lock is not supported for directory buckets.');
  }
  const body = await readSmallBody(ctx, MAX_CONFIGURATION_BYTES, services.bodyBudget);
  const tags = body.length > 0 ? checkConfiguration(body.toString('utf8'), parsed) : [];

  const accountId = callerAccountId(ctx);
  // "To create a directory bucket with tags, you must have the following permissions:
  // s3express:CreateBucket, s3express:TagResource" ("Creating directory buckets with tags",
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/directory-bucket-create-tag.html).
  if (tags.length > 0) {
    const arn = bucketArn(services.config.region, accountId, name);
    services.authorizer.authorizeAction(ctx, 's3express:TagResource', arn, accountId, requestTagKeys(tags));
  }
  // Created through a creation session (CreateSession before the bucket existed): its
  // incarnation starts with the session's creator id, so that session reaches this bucket.
  const { principal } = ctx.auth;
  const creator = principal.kind === 'session' ? creationSessionId(principal.claims) : undefined;
  const fresh = randomBytes(16).toString('hex');
  await services.store.createBucket({
    name,
    zoneId: parsed.zoneId,
    locationType: parsed.locationType,
    region: services.config.region,
    ownerAccountId: accountId,
    createdAt: services.clock.now(),
    incarnation: creator === undefined ? fresh : `${creator}.${fresh}`,
    ...(tags.length > 0 ? { tags } : {}),
  });
  sendEmpty(ctx, 200, {
    Location: `/${name}`,
    'x-amz-bucket-arn': bucketArn(services.config.region, accountId, name),
  });
}

/**
 * Validates a CreateBucketConfiguration against the name: the location must be the zone in
 * the name, the bucket type Directory, and redundancy consistent with the location type.
 */
function checkConfiguration(xml: string, name: DirectoryBucketName): ResourceTag[] {
  const doc = parseXml(xml).CreateBucketConfiguration;
  if (typeof doc !== 'object' || doc === null) throw malformedXml();
  const config = doc as Record<string, unknown>;
  if (config.LocationConstraint !== undefined) {
    throw invalidArgument(
      'LocationConstraint is not supported for directory buckets.',
      'LocationConstraint',
      String(config.LocationConstraint),
    );
  }
  const location = asRecord(config.Location);
  const bucket = asRecord(config.Bucket);
  if (location.Type !== undefined && location.Type !== name.locationType) {
    throw invalidArgument(
      `Location type must be ${name.locationType} for zone ${name.zoneId}.`,
      'Location.Type',
      String(location.Type),
    );
  }
  if (location.Name !== undefined && location.Name !== name.zoneId) {
    throw invalidArgument(
      `The zone id in the bucket name (${name.zoneId}) does not match the location name.`,
      'Location.Name',
      String(location.Name),
    );
  }
  if (bucket.Type !== undefined && bucket.Type !== 'Directory') {
    throw invalidArgument('Bucket type must be Directory.', 'Bucket.Type', String(bucket.Type));
  }
  const redundancy = name.locationType === 'LocalZone' ? 'SingleLocalZone' : 'SingleAvailabilityZone';
  if (bucket.DataRedundancy !== undefined && bucket.DataRedundancy !== redundancy) {
    throw invalidArgument(
      `DataRedundancy must be ${redundancy}.`,
      'Bucket.DataRedundancy',
      String(bucket.DataRedundancy),
    );
  }
  const tags = tagsFromXml(config.Tags);
  checkTags(tags);
  return tags;
}

function asRecord(value: unknown): Record<string, unknown> {
  if (value === undefined || value === '') return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformedXml();
  return value as Record<string, unknown>;
}

export async function headBucket(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const bucket = await existingBucket(ctx, services);
  sendEmpty(ctx, 200, {
    'x-amz-bucket-location-type': bucket.locationType,
    'x-amz-bucket-location-name': bucket.zoneId,
    'x-amz-bucket-region': bucket.region,
    'x-amz-access-point-alias': 'false',
    'x-amz-bucket-arn': bucketArn(bucket.region, bucket.ownerAccountId, bucket.name),
  });
}

export async function deleteBucket(ctx: RequestContext, services: ZonalServices): Promise<void> {
  // x-amz-expected-bucket-owner is answered 501 before authorization (access/expected-owner.ts).
  await services.store.deleteBucket(ctx.target.bucket!);
  sendEmpty(ctx, 204);
}

/**
 * ListBuckets lists general purpose buckets, which Zonal does not have: an empty list, as AWS
 * answers an account that only has directory buckets ("ListBuckets",
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html). Directory buckets
 * are listed by ListDirectoryBuckets.
 */
export function listBuckets(ctx: RequestContext): void {
  const accountId = callerAccountId(ctx);
  sendXml(ctx, 200, {
    ListAllMyBucketsResult: {
      '@_xmlns': S3_XMLNS,
      Owner: { ID: accountId, DisplayName: accountId },
      Buckets: '',
    },
  });
}

export async function listDirectoryBuckets(ctx: RequestContext, services: ZonalServices): Promise<void> {
  const limit = pageSize(ctx.query.get('max-directory-buckets'));
  const token = ctx.query.get('continuation-token');
  const after = token === undefined ? undefined : decodeToken(token);
  const page = await services.store.listBuckets(callerAccountId(ctx), after, limit);
  sendXml(ctx, 200, {
    ListAllMyDirectoryBucketsResult: {
      '@_xmlns': S3_XMLNS,
      Buckets: {
        Bucket: page.buckets.map((b) => ({
          Name: b.name,
          CreationDate: b.createdAt.toISOString(),
          BucketRegion: b.region,
          BucketArn: bucketArn(b.region, b.ownerAccountId, b.name),
        })),
      },
      ...(page.lastReturned === undefined ? {} : { ContinuationToken: encodeToken(page.lastReturned) }),
    },
  });
}

function pageSize(value: string | undefined): number {
  if (value === undefined) return MAX_DIRECTORY_BUCKETS_PAGE;
  if (!/^\d{1,4}$/.test(value) || Number(value) > MAX_DIRECTORY_BUCKETS_PAGE) {
    throw invalidArgument(
      'max-directory-buckets must be an integer between 0 and 1000.',
      'max-directory-buckets',
      value,
    );
  }
  // 0 asks for the default page, as an absent value does.
  return Number(value) === 0 ? MAX_DIRECTORY_BUCKETS_PAGE : Number(value);
}
