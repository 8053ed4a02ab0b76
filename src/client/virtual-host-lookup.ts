import dns from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

/**
 * A DNS `lookup` for an HTTP agent that resolves `<bucket>.<endpointHost>` (the names the SDK
 * makes for virtual-hosted requests) as `endpointHost` itself, so `demo--use1-az4--x-s3.localhost`
 * reaches the server without wildcard DNS or /etc/hosts entries. Other names resolve as usual.
 */
export function virtualHostLookup(endpointHost: string): LookupFunction {
  const base = endpointHost.toLowerCase().replace(/\.$/, '');
  return (hostname, options, callback) => {
    const name = hostname.toLowerCase();
    const target = name.endsWith(`.${base}`) ? base : hostname;
    dns.lookup(target, options, (err, address, family) => callback(err, address, family));
  };
}

/**
 * Whether the SDK sends requests for this endpoint in path style
 * (IP literal hosts; docs/COMPATIBILITY.md).
 */
export function isIpEndpoint(endpoint: URL): boolean {
  return isIP(endpoint.hostname.replace(/^\[|\]$/g, '')) !== 0;
}
