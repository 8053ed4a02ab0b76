/**
 * The AWS host names `zonal serve --aws-hosts` answers for: the S3 Express One Zone Regional
 * (control) endpoint `s3express-control.<region>.amazonaws.com`, the Zonal endpoints
 * `<bucket>.s3express-<zone-id>.<region>.amazonaws.com` ("Regional and Zonal endpoints for
 * directory buckets", Amazon S3 User Guide), IAM's global `iam.amazonaws.com` and STS's
 * `sts.amazonaws.com` / `sts.<region>.amazonaws.com` ("AWS service endpoints", AWS General
 * Reference). The client hooks (Node and the Python file Zonal writes) redirect exactly these.
 */
export const AWS_HOST_PATTERN =
  /^(?:(?:[a-z0-9][a-z0-9-]*\.)?s3express-[a-z0-9-]+\.[a-z0-9-]+|iam|sts(?:\.[a-z0-9-]+)?)\.amazonaws\.com$/;

/** Whether `hostname` (any case, without a port) is one of them. */
export function isAwsHost(hostname: string): boolean {
  return AWS_HOST_PATTERN.test(hostname.toLowerCase());
}

const DIRECTIONS: Record<string, string> = {
  east: 'e',
  west: 'w',
  north: 'n',
  south: 's',
  central: 'c',
  northeast: 'ne',
  northwest: 'nw',
  southeast: 'se',
  southwest: 'sw',
};

/**
 * The prefix of a region's Availability Zone ids: us-east-1 → use1, eu-central-1 → euc1,
 * ap-northeast-1 → apne1, us-gov-west-1 → usgw1 (AZ ids: "AZ IDs for cross-account
 * consistency", AWS RAM User Guide).
 */
export function zoneIdPrefix(region: string): string {
  const parts = region.split('-');
  const number = parts.pop() ?? '';
  const [area = '', ...middle] = parts;
  return area + middle.map((p) => DIRECTIONS[p] ?? p.charAt(0)).join('') + number;
}

/** Zone ids a certificate covers for a region: `<prefix>-az1` … `<prefix>-az9`. */
export function zoneIds(region: string): string[] {
  const prefix = zoneIdPrefix(region);
  return Array.from({ length: 9 }, (_, i) => `${prefix}-az${i + 1}`);
}

/** The DNS names of a certificate for `--aws-hosts` in `region` (wildcards for the buckets). */
export function awsHostCertificateNames(region: string): string[] {
  return [
    `s3express-control.${region}.amazonaws.com`,
    ...zoneIds(region).flatMap((zone) => [
      `s3express-${zone}.${region}.amazonaws.com`,
      `*.s3express-${zone}.${region}.amazonaws.com`,
    ]),
    'iam.amazonaws.com',
    'sts.amazonaws.com',
    `sts.${region}.amazonaws.com`,
  ];
}
