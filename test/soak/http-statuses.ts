/** Counts the HTTP statuses an S3Client receives, whatever the SDK then makes of them. */
import type { S3Client } from '@aws-sdk/client-s3';

export class HttpStatuses {
  readonly counts = new Map<number, number>();

  watch(client: S3Client): void {
    client.middlewareStack.add(
      (next) => async (args) => {
        // Below the deserializer: error answers pass here before they become exceptions.
        const result = await next(args);
        const status = (result.response as { statusCode: number }).statusCode;
        this.counts.set(status, (this.counts.get(status) ?? 0) + 1);
        return result;
      },
      { step: 'deserialize', priority: 'low', name: 'soakCountStatuses' },
    );
  }

  /** Responses with a status of 500 or more: always a server failure. */
  get serverErrors(): number {
    let n = 0;
    for (const [status, count] of this.counts) if (status >= 500) n += count;
    return n;
  }

  get total(): number {
    let n = 0;
    for (const count of this.counts.values()) n += count;
    return n;
  }
}
