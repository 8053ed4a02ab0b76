import { randomHex } from '../util/random-bytes.js';

/**
 * ETags are opaque in directory buckets, a random string unique to the object, not an MD5
 * ("Differences for directory buckets",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-express-differences.html).
 */
export const newEtag = (): string => `"${randomHex(16)}"`;
