/**
 * Server-side encryption, as a bucket default (PutBucketEncryption), a session (CreateSession)
 * and an object record all carry it. Directory buckets support SSE-S3 and SSE-KMS only, with
 * one customer managed key per bucket ("Data protection and encryption",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-express-data-protection.html).
 */
export interface ServerSideEncryption {
  algorithm: 'AES256' | 'aws:kms';
  /** For aws:kms: the bucket's one customer managed key (key id or ARN). */
  kmsKeyId?: string;
}
