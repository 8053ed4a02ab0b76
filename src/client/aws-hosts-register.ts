/**
 * `node --import zonal/aws-hosts app.js`: installs the --aws-hosts hook (aws-hosts.ts) before
 * the program runs, from ZONAL_AWS_HOSTS (`host:port` of Zonal) and the CA in
 * ZONAL_AWS_HOSTS_CA, else NODE_EXTRA_CA_CERTS (which `zonal serve --aws-hosts` prints).
 */
import { installAwsHosts } from './aws-hosts.js';

const target = process.env.ZONAL_AWS_HOSTS;
const ca = process.env.ZONAL_AWS_HOSTS_CA ?? process.env.NODE_EXTRA_CA_CERTS;
if (target === undefined || ca === undefined) {
  throw new Error('zonal/aws-hosts needs ZONAL_AWS_HOSTS (host:port) and NODE_EXTRA_CA_CERTS (the CA file)');
}
installAwsHosts({ target, ca });
