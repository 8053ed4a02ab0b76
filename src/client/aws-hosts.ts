/**
 * Node's side of `zonal serve --aws-hosts`: unchanged AWS SDK code (no `endpoint`, HTTPS to
 * the SDK's own endpoint names, port 443) reaches a Zonal server. A DNS answer alone cannot
 * do it (Zonal listens on its own port, not 443), so the hook sits where Node's HTTPS agents
 * open connections: `https.Agent.prototype.createConnection`, which every agent the SDK's
 * NodeHttpHandler makes inherits. Connections to the AWS names on port 443 go to Zonal's
 * address and port; the TLS server name stays the AWS name (SNI and certificate checks), and
 * they trust Zonal's CA. Node's `fetch` (undici) does not use these agents.
 */
import dns from 'node:dns';
import fs from 'node:fs';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isAwsHost } from '../util/aws-host-names.js';

export { isAwsHost } from '../util/aws-host-names.js';

export interface AwsHostsTarget {
  /** Where Zonal listens: `host:port`, or a URL (`https://127.0.0.1:9443`). */
  target: string;
  /** PEM of Zonal's CA (aws-hosts-ca.pem), or its path. */
  ca: string | Buffer;
}

type ConnectOptions = {
  host?: string;
  hostname?: string;
  port?: number | string;
  servername?: string;
} & Record<string, unknown>;

let installed: (() => void) | undefined;

function parseTarget(target: string): { host: string; port: number } {
  const url = new URL(target.includes('://') ? target : `https://${target}`);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 443) };
}

/**
 * Sends every HTTPS connection to an AWS name on port 443 to Zonal; returns the function that
 * undoes it. Installing again replaces the previous target.
 *
 * @example
 * const undo = installAwsHosts({ target: '127.0.0.1:9443', ca: '/path/to/aws-hosts-ca.pem' });
 * const s3 = new S3Client({ region: 'us-east-1' }); // no endpoint: the SDK's own host names
 */
export function installAwsHosts(options: AwsHostsTarget): () => void {
  installed?.();
  const { host, port } = parseTarget(options.target);
  const ca =
    typeof options.ca === 'string' && !options.ca.includes('-----BEGIN')
      ? fs.readFileSync(options.ca)
      : options.ca;
  const proto = https.Agent.prototype as unknown as { createConnection: (...args: unknown[]) => unknown };
  const original = proto.createConnection;
  proto.createConnection = function (this: https.Agent, ...args: unknown[]): unknown {
    const [first] = args;
    if (first !== null && typeof first === 'object') {
      const opts = first as ConnectOptions;
      const name = opts.servername || opts.host || opts.hostname;
      if (typeof name === 'string' && isAwsHost(name) && Number(opts.port ?? 443) === 443) {
        const redirected: ConnectOptions = { ...opts, host, port, servername: name, ca };
        delete redirected.hostname;
        delete redirected.lookup;
        return original.call(this, redirected, ...args.slice(1));
      }
    }
    return original.apply(this, args);
  };
  const undo = (): void => {
    if (proto.createConnection !== original) proto.createConnection = original;
    if (installed === undo) installed = undefined;
  };
  installed = undo;
  return undo;
}

/**
 * A `lookup` for agents and sockets (`new https.Agent({ lookup })`) that resolves the AWS names
 * to `address` and everything else through DNS. It changes addresses only: enough when Zonal
 * answers on port 443 (a port forward, a container); otherwise use {@link installAwsHosts}.
 */
export function awsHostsLookup(address = '127.0.0.1'): LookupFunction {
  const family = address.includes(':') ? 6 : 4;
  return (hostname, options, callback) => {
    if (!isAwsHost(hostname)) {
      (dns.lookup as unknown as (h: string, o: unknown, c: unknown) => void)(hostname, options, callback);
      return;
    }
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address, family },
      ]);
    } else {
      callback(null, address, family);
    }
  };
}
