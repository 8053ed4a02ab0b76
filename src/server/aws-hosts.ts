/**
 * What `--aws-hosts` gives clients besides the certificate: the files and settings that make
 * the AWS host names (util/aws-host-names.ts) reach this server. Node programs use the hook in
 * client/aws-hosts.ts (`--import zonal/aws-hosts`); Python programs (boto3) a
 * `sitecustomize.py` written here, which Python imports at start-up from any directory on
 * PYTHONPATH ("site — Site-specific configuration hook", Python documentation).
 */
import fs from 'node:fs';
import path from 'node:path';
import { AWS_HOST_PATTERN } from '../util/aws-host-names.js';
import { awsHostsCaFile } from './tls.js';

export interface AwsHostsSetup {
  /** The CA certificate to trust (NODE_EXTRA_CA_CERTS, AWS_CA_BUNDLE). */
  caFile: string;
  /** The directory holding sitecustomize.py: put it on PYTHONPATH. */
  pythonPath: string;
  /** `127.0.0.1:<port>`: where the hooks send connections for the AWS names. */
  target: string;
  /** Environment for a child process that should reach Zonal under the AWS names. */
  env: Record<string, string>;
}

/**
 * The Python hook: socket.getaddrinfo answers the server's address and port for the AWS
 * names, so urllib3 (botocore's HTTP client) connects there while SNI and certificate checks
 * keep the real name. ZONAL_AWS_HOSTS (`host:port`) overrides the address written here.
 */
function sitecustomize(target: string): string {
  return `# Written by zonal serve --aws-hosts: AWS host names reach Zonal (${target}).
# Put this directory on PYTHONPATH and set AWS_CA_BUNDLE to Zonal's CA (aws-hosts-ca.pem).
import os as _os
import re as _re
import socket as _socket

_target = _os.environ.get("ZONAL_AWS_HOSTS", ${JSON.stringify(target)})
_host, _, _port = _target.rpartition(":")
_pattern = _re.compile(r"${AWS_HOST_PATTERN.source}")
_getaddrinfo = _socket.getaddrinfo


def _zonal_getaddrinfo(host, port, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else host
    if isinstance(name, str) and _pattern.match(name.lower().rstrip(".")) and str(port) in ("443", "https"):
        return _getaddrinfo(_host, int(_port), *args, **kwargs)
    return _getaddrinfo(host, port, *args, **kwargs)


_socket.getaddrinfo = _zonal_getaddrinfo
`;
}

/** Writes the Python hook for a server listening on `port` and returns the client settings. */
export function writeAwsHostsSetup(dataDir: string, host: string, port: number): AwsHostsSetup {
  const pythonPath = path.join(path.resolve(dataDir), 'aws-hosts-python');
  fs.mkdirSync(pythonPath, { recursive: true, mode: 0o700 });
  const address = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const target = `${address.includes(':') ? `[${address}]` : address}:${port}`;
  const file = path.join(pythonPath, 'sitecustomize.py');
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, sitecustomize(target), { mode: 0o644 });
  fs.renameSync(tmp, file);
  const caFile = awsHostsCaFile(dataDir);
  return {
    caFile,
    pythonPath,
    target,
    env: {
      ZONAL_AWS_HOSTS: target,
      NODE_EXTRA_CA_CERTS: caFile,
      AWS_CA_BUNDLE: caFile,
      PYTHONPATH: pythonPath,
    },
  };
}
