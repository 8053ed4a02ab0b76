export type LocationType = 'AvailabilityZone' | 'LocalZone';

export interface DirectoryBucketName {
  name: string;
  baseName: string;
  zoneId: string;
  locationType: LocationType;
}

const SUFFIX = '--x-s3';
/** Zone id lengths the AWS SDKs' S3 endpoint rules recognise. */
const ZONE_ID_LENGTHS = new Set([8, 9, 13, 14, 20]);
/** `use1-az4` (Availability Zone) or `usw2-lax1-az1` (Local Zone). */
const ZONE_ID = /^[a-z]{2,5}\d{1,2}(-[a-z]{2,8}\d{1,2}[a-z]?)?-az\d{1,2}$/;
const BASE_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const FORBIDDEN_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];

/**
 * Parses `<base-name>--<zone-id>--x-s3` ("Directory bucket naming rules",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/directory-bucket-naming-rules.html),
 * or returns undefined when the name breaks a rule. The zone id is read from the end, as the
 * SDK does.
 */
export function parseDirectoryBucketName(name: string): DirectoryBucketName | undefined {
  if (name.length < 3 || name.length > 63 || !name.endsWith(SUFFIX)) return undefined;
  const withoutSuffix = name.slice(0, -SUFFIX.length);
  const sep = withoutSuffix.lastIndexOf('--');
  if (sep <= 0) return undefined;
  const baseName = withoutSuffix.slice(0, sep);
  const zoneId = withoutSuffix.slice(sep + 2);
  if (!BASE_NAME.test(baseName) || !ZONE_ID.test(zoneId) || !ZONE_ID_LENGTHS.has(zoneId.length))
    return undefined;
  if (FORBIDDEN_PREFIXES.some((p) => name.startsWith(p))) return undefined;
  // An AZ id has two parts (`usw2-az1`); a Local Zone id has more (`usw2-lax1-az1`).
  const locationType: LocationType = zoneId.split('-').length > 2 ? 'LocalZone' : 'AvailabilityZone';
  return { name, baseName, zoneId, locationType };
}

export function bucketArn(region: string, accountId: string, bucket: string): string {
  return `arn:aws:s3express:${region}:${accountId}:bucket/${bucket}`;
}

const ACCESS_POINT_SUFFIX = '--xa-s3';
/** Lengths of an access point's own part of the name ("Access points naming rules"). */
const MIN_ACCESS_POINT_BASE = 3;
const MAX_ACCESS_POINT_BASE = 50;

export interface AccessPointName {
  name: string;
  baseName: string;
  zoneId: string;
}

/** True for a name of the access point form (`…--xa-s3`), valid or not. */
export function isAccessPointName(name: string): boolean {
  return name.endsWith(ACCESS_POINT_SUFFIX);
}

/**
 * Parses `<name>--<zone-id>--xa-s3` ("Creating access points for directory buckets",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/creating-access-points-directory-buckets.html:
 * the access point is named with the zone of its bucket and the `--xa-s3` suffix); the name
 * part follows the bucket naming characters, 3 to 50 of them (Zonal's bound, docs/COMPATIBILITY.md).
 */
export function parseAccessPointName(name: string): AccessPointName | undefined {
  if (!isAccessPointName(name)) return undefined;
  const withoutSuffix = name.slice(0, -ACCESS_POINT_SUFFIX.length);
  const sep = withoutSuffix.lastIndexOf('--');
  if (sep <= 0) return undefined;
  const baseName = withoutSuffix.slice(0, sep);
  const zoneId = withoutSuffix.slice(sep + 2);
  if (baseName.length < MIN_ACCESS_POINT_BASE || baseName.length > MAX_ACCESS_POINT_BASE) return undefined;
  if (!BASE_NAME.test(baseName) || baseName.includes('--')) return undefined;
  if (!ZONE_ID.test(zoneId) || !ZONE_ID_LENGTHS.has(zoneId.length)) return undefined;
  if (FORBIDDEN_PREFIXES.some((p) => name.startsWith(p))) return undefined;
  return { name, baseName, zoneId };
}

export function accessPointArn(region: string, accountId: string, name: string): string {
  return `arn:aws:s3express:${region}:${accountId}:accesspoint/${name}`;
}
