/**
 * S3 Control requests signed as the SDKs sign them for directory buckets (SigV4, service
 * `s3express`, `x-amz-account-id`, REST-XML bodies): for tests that drive the control API
 * without @aws-sdk/client-s3-control.
 */
import { send, signRequest, type RawResponse } from './raw-signing.js';

export const S3_CONTROL_XMLNS = 'http://awss3control.amazonaws.com/doc/2018-08-20/';

export interface ControlCall {
  method: string;
  /** After `/v20180820/`, already encoded. */
  path: string;
  query?: Record<string, string>;
  body?: string;
  accountId?: string | undefined;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  service?: string;
}

export function control(port: number, call: ControlCall): Promise<RawResponse> {
  return signRequest(
    port,
    {
      method: call.method,
      path: `/v20180820/${call.path}`,
      ...(call.query ? { query: call.query } : {}),
      headers: call.accountId === undefined ? {} : { 'x-amz-account-id': call.accountId },
      ...(call.body === undefined ? {} : { body: call.body }),
    },
    { credentials: call.credentials, service: call.service ?? 's3express' },
  ).then((signed) => send(signed, port));
}

/** `<Root xmlns=…>inner</Root>`. */
export function controlXml(root: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><${root} xmlns="${S3_CONTROL_XMLNS}">${inner}</${root}>`;
}

/** The text of every `<name>` element, in order. */
export function elements(body: string, name: string): string[] {
  return [...body.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map((m) => m[1]!);
}
