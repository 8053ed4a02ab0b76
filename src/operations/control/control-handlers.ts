/**
 * The S3 Control operations Zonal serves for directory buckets: access points
 * (CreateAccessPoint, GetAccessPoint, DeleteAccessPoint, ListAccessPointsForDirectoryBuckets,
 * Put/Get/DeleteAccessPointPolicy, Put/Get/DeleteAccessPointScope) and resource tags
 * (TagResource, UntagResource, ListTagsForResource), as the S3 Control API Reference
 * documents them (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_AWS_S3_Control.html).
 * Each is authorized as `s3express:<Operation>` by the identity policies of the resource's
 * account, with its tags as `aws:ResourceTag/<key>`.
 */
import { MAX_SCOPE_PREFIX_BYTES, SCOPE_PERMISSIONS } from '../../access/access-points.js';
import { validateBucketPolicy } from '../../access/bucket-policy-rules.js';
import {
  connectionKeys,
  identityKeys,
  requestTagKeys,
  resourceTagKeys,
  type ConditionContext,
} from '../../access/condition-context.js';
import {
  accessDenied,
  invalidArgument,
  invalidRequest,
  noSuchAccessPoint,
  noSuchBucket,
  notImplemented,
  S3Error,
} from '../../errors/s3-error.js';
import { accessPointArn, parseAccessPointName } from '../../protocol/bucket-names.js';
import { malformedXml, parseXml } from '../../protocol/xml.js';
import type { AccessPointRecord, AccessPointScope, BucketRecord, ResourceTag } from '../../storage/types.js';
import {
  sendControlEmpty,
  sendControlXml,
  type ControlContext,
  type ControlOperation,
} from './control-context.js';
import { asList, checkTagKey, checkTags, mergeTags, tagsFromXml, tagsToXml } from './tags.js';

type ControlHandler = (ctx: ControlContext) => Promise<void>;

const MAX_LIST_RESULTS = 1000;

// --- shared -------------------------------------------------------------------------------

function timeKeys(now: Date): ConditionContext {
  return {
    'aws:CurrentTime': now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
  };
}

/** `s3express:<action>` on `resource`, decided by identity policies of `resourceAccount`. */
function authorize(
  ctx: ControlContext,
  action: string,
  resource: string,
  resourceAccount: string,
  keys: ConditionContext = {},
): void {
  const context = {
    ...timeKeys(ctx.receivedAt),
    ...connectionKeys(ctx.req.socket),
    ...identityKeys(ctx.identity),
    's3express:ResourceAccount': resourceAccount,
    ...keys,
  };
  const decision = ctx.services.authorizer.controlDecision(
    ctx.identity,
    `s3express:${action}`,
    resource,
    resourceAccount,
    context,
  );
  if (!decision.allowed) throw accessDenied();
}

function xmlTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The root element of a request document, which must be there. */
function requestDocument(ctx: ControlContext, root: string): Record<string, unknown> {
  if (ctx.body.length === 0) throw malformedXml();
  const doc = parseXml(ctx.body.toString('utf8'))[root];
  if (doc === '') return {};
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw malformedXml();
  return doc as Record<string, unknown>;
}

function arnOf(accessPoint: AccessPointRecord): string {
  return accessPointArn(accessPoint.region, accessPoint.ownerAccountId, accessPoint.name);
}

/** The caller's access point named in the path; NoSuchAccessPoint for any other. */
async function ownAccessPoint(ctx: ControlContext): Promise<AccessPointRecord> {
  const name = ctx.name!;
  const accessPoint = await ctx.services.store.getAccessPoint(name);
  if (!accessPoint || accessPoint.ownerAccountId !== ctx.accountId) throw noSuchAccessPoint(name);
  return accessPoint;
}

/** Authorizes `action` on the caller's access point named in the path, and returns it. */
async function authorizedAccessPoint(ctx: ControlContext, action: string): Promise<AccessPointRecord> {
  const accessPoint = await ownAccessPoint(ctx);
  authorize(ctx, action, arnOf(accessPoint), accessPoint.ownerAccountId, resourceTagKeys(accessPoint.tags));
  return accessPoint;
}

/** `<Scope><Prefixes><Prefix/>…</Prefixes><Permissions><Permission/>…</Permissions></Scope>`. */
function scopeFromXml(value: unknown): AccessPointScope {
  if (value === undefined || value === '') return { prefixes: [], permissions: [] };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformedXml();
  const { Prefixes, Permissions } = value as Record<string, unknown>;
  const listOf = (container: unknown, element: string): string[] => {
    if (container === undefined || container === '') return [];
    if (typeof container !== 'object' || container === null) throw malformedXml();
    return asList((container as Record<string, unknown>)[element]).map((v) => {
      if (typeof v !== 'string') throw malformedXml();
      return v;
    });
  };
  const scope = { prefixes: listOf(Prefixes, 'Prefix'), permissions: listOf(Permissions, 'Permission') };
  for (const permission of scope.permissions) {
    if (!SCOPE_PERMISSIONS.has(permission)) {
      throw invalidArgument(
        `Permission ${permission} is not valid: ${[...SCOPE_PERMISSIONS].join(', ')}.`,
        'Permission',
        permission,
      );
    }
  }
  const bytes = scope.prefixes.reduce((n, p) => n + Buffer.byteLength(p), 0);
  if (bytes >= MAX_SCOPE_PREFIX_BYTES) {
    throw invalidRequest(`The prefixes of a scope must total less than ${MAX_SCOPE_PREFIX_BYTES} bytes.`);
  }
  if (scope.prefixes.some((p) => p === '')) throw invalidRequest('A scope prefix cannot be empty.');
  return { prefixes: [...new Set(scope.prefixes)], permissions: [...new Set(scope.permissions)] };
}

function scopeToXml(scope: AccessPointScope | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (scope && scope.prefixes.length > 0) out.Prefixes = { Prefix: scope.prefixes };
  if (scope && scope.permissions.length > 0) out.Permissions = { Permission: scope.permissions };
  return out;
}

/** Public access is always blocked on directory-bucket access points; a request may only say so. */
function checkPublicAccessBlock(value: unknown): void {
  if (value === undefined || value === '') return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformedXml();
  for (const [name, setting] of Object.entries(value as Record<string, unknown>)) {
    if (setting !== 'true') {
      throw invalidRequest(
        `${name} cannot be disabled: public access is always blocked for directory buckets.`,
      );
    }
  }
}

const PUBLIC_ACCESS_BLOCK = {
  BlockPublicAcls: 'true',
  IgnorePublicAcls: 'true',
  BlockPublicPolicy: 'true',
  RestrictPublicBuckets: 'true',
};

// --- access points ----------------------------------------------------------------------

async function createAccessPoint(ctx: ControlContext): Promise<void> {
  const name = ctx.name!;
  const parsed = parseAccessPointName(name);
  if (!parsed) {
    throw invalidRequest(
      'The access point name must be <name>--<zone-id>--xa-s3, with 3 to 50 lowercase letters, digits and hyphens in <name>.',
    );
  }
  const doc = requestDocument(ctx, 'CreateAccessPointRequest');
  if (doc.VpcConfiguration !== undefined) {
    throw notImplemented('Zonal has no VPCs: access points have the Internet network origin.');
  }
  checkPublicAccessBlock(doc.PublicAccessBlockConfiguration);
  const bucketName = doc.Bucket;
  if (typeof bucketName !== 'string' || bucketName === '') throw invalidRequest('Bucket is required.');
  const scope = doc.Scope === undefined ? undefined : scopeFromXml(doc.Scope);
  const tags = tagsFromXml(doc.Tags);
  checkTags(tags);
  const bucket = await ctx.services.store.getBucket(bucketName);
  if (!bucket) throw noSuchBucket(bucketName);
  if (doc.BucketAccountId !== undefined && doc.BucketAccountId !== bucket.ownerAccountId) {
    throw noSuchBucket(bucketName);
  }
  if (parsed.zoneId !== bucket.zoneId) {
    throw invalidRequest(
      `The access point must be in the zone of its bucket: its name must carry --${bucket.zoneId}--xa-s3.`,
    );
  }
  const region = ctx.services.config.region;
  const arn = accessPointArn(region, ctx.accountId, name);
  const requestKeys = tags.length > 0 ? requestTagKeys(tags) : {};
  authorize(ctx, 'CreateAccessPoint', arn, ctx.accountId, requestKeys);
  // Tagging at creation needs the tagging permission too (as CreateBucket with tags does).
  if (tags.length > 0) authorize(ctx, 'TagResource', arn, ctx.accountId, requestKeys);
  await ctx.services.store.createAccessPoint({
    name,
    bucket: bucket.name,
    bucketIncarnation: bucket.incarnation,
    bucketOwnerAccountId: bucket.ownerAccountId,
    ownerAccountId: ctx.accountId,
    region,
    zoneId: parsed.zoneId,
    createdAt: new Date(ctx.receivedAt.getTime() - (ctx.receivedAt.getTime() % 1000)),
    ...(scope && (scope.prefixes.length > 0 || scope.permissions.length > 0) ? { scope } : {}),
    ...(tags.length > 0 ? { tags } : {}),
  });
  sendControlXml(ctx, 'CreateAccessPointResult', { AccessPointArn: arn, Alias: name });
}

function accessPointSummary(accessPoint: AccessPointRecord): Record<string, unknown> {
  return {
    Name: accessPoint.name,
    NetworkOrigin: 'Internet',
    Bucket: accessPoint.bucket,
    AccessPointArn: arnOf(accessPoint),
    Alias: accessPoint.name,
    BucketAccountId: accessPoint.bucketOwnerAccountId,
  };
}

async function getAccessPoint(ctx: ControlContext): Promise<void> {
  const accessPoint = await authorizedAccessPoint(ctx, 'GetAccessPoint');
  sendControlXml(ctx, 'GetAccessPointResult', {
    Name: accessPoint.name,
    Bucket: accessPoint.bucket,
    NetworkOrigin: 'Internet',
    PublicAccessBlockConfiguration: PUBLIC_ACCESS_BLOCK,
    CreationDate: xmlTimestamp(accessPoint.createdAt),
    Alias: accessPoint.name,
    AccessPointArn: arnOf(accessPoint),
    BucketAccountId: accessPoint.bucketOwnerAccountId,
  });
}

async function deleteAccessPoint(ctx: ControlContext): Promise<void> {
  const accessPoint = await authorizedAccessPoint(ctx, 'DeleteAccessPoint');
  await ctx.services.store.deleteAccessPoint(accessPoint.name);
  sendControlEmpty(ctx, 204);
}

/** `nextToken` is the last name returned, base64url-encoded. */
function decodeNextToken(token: string): string {
  const name = Buffer.from(token, 'base64url').toString('utf8');
  if (token === '' || Buffer.from(name, 'utf8').toString('base64url') !== token) {
    throw invalidArgument('The continuation token is not valid.', 'nextToken', token);
  }
  return name;
}

async function listAccessPointsForDirectoryBuckets(ctx: ControlContext): Promise<void> {
  const param = (name: string): string | undefined => ctx.query.find(([n]) => n === name)?.[1];
  const bucket = param('directoryBucket');
  const maxText = param('maxResults');
  const max = maxText === undefined ? MAX_LIST_RESULTS : Number(maxText);
  if (!/^\d+$/.test(maxText ?? '0') || !Number.isInteger(max) || max < 0 || max > MAX_LIST_RESULTS) {
    throw invalidArgument(
      `maxResults must be an integer from 0 to ${MAX_LIST_RESULTS}.`,
      'maxResults',
      maxText,
    );
  }
  const token = param('nextToken');
  const after = token === undefined ? undefined : decodeNextToken(token);
  const region = ctx.services.config.region;
  authorize(
    ctx,
    'ListAccessPointsForDirectoryBuckets',
    `arn:aws:s3express:${region}:${ctx.accountId}:accesspoint/*`,
    ctx.accountId,
  );
  const page = await ctx.services.store.listAccessPoints(ctx.accountId, bucket, after, max);
  sendControlXml(ctx, 'ListAccessPointsForDirectoryBucketsResult', {
    AccessPointList: { AccessPoint: page.accessPoints.map(accessPointSummary) },
    ...(page.lastReturned === undefined
      ? {}
      : { NextToken: Buffer.from(page.lastReturned, 'utf8').toString('base64url') }),
  });
}

async function putAccessPointPolicy(ctx: ControlContext): Promise<void> {
  const accessPoint = await authorizedAccessPoint(ctx, 'PutAccessPointPolicy');
  const doc = requestDocument(ctx, 'PutAccessPointPolicyRequest');
  if (typeof doc.Policy !== 'string' || doc.Policy === '')
    throw new S3Error('MalformedPolicy', 'Policy is required.');
  // The same language and rules as a directory bucket policy, its resources the access point
  // ("Configuring IAM policies for using access points for directory buckets").
  validateBucketPolicy(doc.Policy, arnOf(accessPoint));
  await ctx.services.store.updateAccessPoint(accessPoint.name, { policy: doc.Policy });
  sendControlEmpty(ctx, 204);
}

async function getAccessPointPolicy(ctx: ControlContext): Promise<void> {
  const accessPoint = await authorizedAccessPoint(ctx, 'GetAccessPointPolicy');
  if (accessPoint.policy === undefined) {
    throw new S3Error('NoSuchAccessPointPolicy', undefined, { AccessPointName: accessPoint.name });
  }
  sendControlXml(ctx, 'GetAccessPointPolicyResult', { Policy: accessPoint.policy });
}

async function deleteAccessPointPolicy(ctx: ControlContext): Promise<void> {
  const accessPoint = await authorizedAccessPoint(ctx, 'DeleteAccessPointPolicy');
  await ctx.services.store.updateAccessPoint(accessPoint.name, { policy: null });
  sendControlEmpty(ctx, 204);
}

async function putAccessPointScope(ctx: ControlContext): Promise<void> {
  const accessPoint = await authorizedAccessPoint(ctx, 'PutAccessPointScope');
  const doc = requestDocument(ctx, 'PutAccessPointScopeRequest');
  if (doc.Scope === undefined) throw invalidRequest('Scope is required.');
  const scope = scopeFromXml(doc.Scope);
  const empty = scope.prefixes.length === 0 && scope.permissions.length === 0;
  await ctx.services.store.updateAccessPoint(accessPoint.name, { scope: empty ? null : scope });
  sendControlEmpty(ctx, 204);
}

async function getAccessPointScope(ctx: ControlContext): Promise<void> {
  const accessPoint = await authorizedAccessPoint(ctx, 'GetAccessPointScope');
  sendControlXml(ctx, 'GetAccessPointScopeResult', { Scope: scopeToXml(accessPoint.scope) });
}

async function deleteAccessPointScope(ctx: ControlContext): Promise<void> {
  const accessPoint = await authorizedAccessPoint(ctx, 'DeleteAccessPointScope');
  await ctx.services.store.updateAccessPoint(accessPoint.name, { scope: null });
  sendControlEmpty(ctx, 204);
}

// --- tags ---------------------------------------------------------------------------------

type TaggedResource =
  | { kind: 'bucket'; arn: string; account: string; bucket: BucketRecord; tags: ResourceTag[] }
  | {
      kind: 'accesspoint';
      arn: string;
      account: string;
      accessPoint: AccessPointRecord;
      tags: ResourceTag[];
    };

const S3EXPRESS_ARN = /^arn:aws:s3express:([^:]*):(\d{12}):(bucket|accesspoint)\/([^/]+)$/;

/**
 * The directory bucket or access point a tagging ARN names (`arn:aws:s3express:<region>:
 * <account>:bucket/<name>` or `…:accesspoint/<name>`), which must exist and belong to that
 * account; tags on other S3 resources are not Zonal's.
 */
async function taggedResource(ctx: ControlContext): Promise<TaggedResource> {
  const arn = ctx.resourceArn!;
  const match = S3EXPRESS_ARN.exec(arn);
  if (!match) {
    throw invalidRequest(`${arn} is not the ARN of a directory bucket or of an access point for one.`);
  }
  const [, region, account, kind, name] = match as unknown as [string, string, string, string, string];
  if (region !== ctx.services.config.region) {
    throw invalidRequest(`${arn} is not in this server's region (${ctx.services.config.region}).`);
  }
  if (kind === 'bucket') {
    const bucket = await ctx.services.store.getBucket(name);
    if (!bucket || bucket.ownerAccountId !== account) throw noSuchBucket(name);
    return { kind, arn, account, bucket, tags: bucket.tags ?? [] };
  }
  const accessPoint = await ctx.services.store.getAccessPoint(name);
  if (!accessPoint || accessPoint.ownerAccountId !== account) throw noSuchAccessPoint(name);
  return { kind: 'accesspoint', arn, account, accessPoint, tags: accessPoint.tags ?? [] };
}

async function setTags(ctx: ControlContext, resource: TaggedResource, tags: ResourceTag[]): Promise<void> {
  if (resource.kind === 'bucket') await ctx.services.store.setBucketTags(resource.bucket.name, tags);
  else await ctx.services.store.updateAccessPoint(resource.accessPoint.name, { tags });
}

async function tagResource(ctx: ControlContext): Promise<void> {
  const resource = await taggedResource(ctx);
  const doc = requestDocument(ctx, 'TagResourceRequest');
  const tags = tagsFromXml(doc.Tags);
  if (tags.length === 0) throw invalidTag('At least one tag is required.');
  checkTags(tags);
  authorize(ctx, 'TagResource', resource.arn, resource.account, {
    ...resourceTagKeys(resource.tags),
    ...requestTagKeys(tags),
  });
  await setTags(ctx, resource, mergeTags(resource.tags, tags));
  sendControlEmpty(ctx, 204);
}

async function untagResource(ctx: ControlContext): Promise<void> {
  const resource = await taggedResource(ctx);
  const keys = ctx.query.filter(([n]) => n === 'tagKeys').map(([, v]) => v);
  if (keys.length === 0) throw invalidRequest('tagKeys is required.');
  for (const key of keys) checkTagKey(key);
  authorize(ctx, 'UntagResource', resource.arn, resource.account, {
    ...resourceTagKeys(resource.tags),
    'aws:TagKeys': keys,
  });
  const removed = new Set(keys);
  await setTags(
    ctx,
    resource,
    resource.tags.filter((t) => !removed.has(t.key)),
  );
  sendControlEmpty(ctx, 204);
}

async function listTagsForResource(ctx: ControlContext): Promise<void> {
  const resource = await taggedResource(ctx);
  authorize(ctx, 'ListTagsForResource', resource.arn, resource.account, resourceTagKeys(resource.tags));
  sendControlXml(ctx, 'ListTagsForResourceResult', { Tags: tagsToXml(resource.tags) });
}

const invalidTag = (message: string): S3Error => new S3Error('InvalidTag', message);

export const CONTROL_HANDLERS: Record<ControlOperation, ControlHandler> = {
  CreateAccessPoint: createAccessPoint,
  GetAccessPoint: getAccessPoint,
  DeleteAccessPoint: deleteAccessPoint,
  ListAccessPointsForDirectoryBuckets: listAccessPointsForDirectoryBuckets,
  PutAccessPointPolicy: putAccessPointPolicy,
  GetAccessPointPolicy: getAccessPointPolicy,
  DeleteAccessPointPolicy: deleteAccessPointPolicy,
  PutAccessPointScope: putAccessPointScope,
  GetAccessPointScope: getAccessPointScope,
  DeleteAccessPointScope: deleteAccessPointScope,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
};
