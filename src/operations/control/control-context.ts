/** What an S3 Control handler sees of its request, and how it answers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IamIdentity } from '../../auth/credentials.js';
import { toXml } from '../../protocol/xml.js';
import type { ZonalServices } from '../services.js';

export const S3_CONTROL_XMLNS = 'http://awss3control.amazonaws.com/doc/2018-08-20/';

/** The S3 Control operations Zonal serves. */
export type ControlOperation =
  | 'CreateAccessPoint'
  | 'GetAccessPoint'
  | 'DeleteAccessPoint'
  | 'ListAccessPointsForDirectoryBuckets'
  | 'PutAccessPointPolicy'
  | 'GetAccessPointPolicy'
  | 'DeleteAccessPointPolicy'
  | 'PutAccessPointScope'
  | 'GetAccessPointScope'
  | 'DeleteAccessPointScope'
  | 'TagResource'
  | 'UntagResource'
  | 'ListTagsForResource';

/** What a control handler sees of its request. */
export interface ControlContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  readonly receivedAt: Date;
  readonly op: ControlOperation;
  readonly identity: IamIdentity;
  /** `x-amz-account-id`: the caller's own account (checked). */
  readonly accountId: string;
  readonly name?: string;
  readonly resourceArn?: string;
  /** Decoded query parameters in order, duplicates kept (UntagResource repeats `tagKeys`). */
  readonly query: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
  readonly services: ZonalServices;
}

/** Renders a control response document. */
export function sendControlXml(ctx: ControlContext, root: string, content: Record<string, unknown>): void {
  const body = toXml({ [root]: { '@_xmlns': S3_CONTROL_XMLNS, ...content } });
  ctx.res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  ctx.res.end(body);
}

export function sendControlEmpty(ctx: ControlContext, status: number): void {
  ctx.res.writeHead(status, { 'Content-Length': '0' });
  ctx.res.end();
}
