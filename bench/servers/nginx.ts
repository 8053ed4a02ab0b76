import fs from 'node:fs';
import path from 'node:path';
import { freePort, spawnTracked } from '../lib/children.js';
import { nginxPath } from '../lib/install.js';
import { runDir } from '../lib/paths.js';
import { stopper, type BenchServer, waitUntilAnswering } from './server.js';

export const nginxDir = path.join(runDir, 'nginx');
/** Static files (same bytes as the Zonal objects) live here, served at `/`. */
export const nginxRoot = path.join(nginxDir, 'www');
/** WebDAV PUTs go under this URL prefix (and directory inside the root). */
export const NGINX_DAV_PREFIX = '/dav/';

/**
 * One worker, keep-alive, sendfile, a buffered access log (Zonal logs every request too),
 * temp files next to the root so that a WebDAV PUT ends in a rename on the same filesystem.
 */
function config(port: number, instance: string, workers: number): string {
  const user = process.getuid?.() === 0 ? 'user root root;' : '';
  const tmp = (name: string): string => path.join(nginxDir, 'tmp', name);
  return `${user}
worker_processes ${workers};
daemon off;
master_process on;
pid ${path.join(nginxDir, `${instance}.pid`)};
error_log ${path.join(nginxDir, `${instance}-error.log`)} warn;
events { worker_connections 4096; }
http {
  default_type application/octet-stream;
  access_log ${path.join(nginxDir, `${instance}-access.log`)} combined buffer=256k flush=1s;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 120s;
  keepalive_requests 100000000;
  client_body_temp_path ${tmp('client-body')};
  proxy_temp_path ${tmp('proxy')};
  fastcgi_temp_path ${tmp('fastcgi')};
  uwsgi_temp_path ${tmp('uwsgi')};
  scgi_temp_path ${tmp('scgi')};
  server {
    listen 127.0.0.1:${port} backlog=4096;
    root ${nginxRoot};
    location / { }
    location ${NGINX_DAV_PREFIX} {
      dav_methods PUT;
      create_full_put_path on;
      client_max_body_size 64m;
      client_body_buffer_size 1m;
    }
  }
}
`;
}

/**
 * Writes the config for `port` and spawns nginx in the foreground (no wait). Instances have
 * their own config, pid and log files; they share the root.
 */
export function spawnNginx(port: number, instance = 'nginx', workers = 1) {
  const binary = nginxPath();
  if (binary === undefined) throw new Error('nginx is not installed');
  fs.mkdirSync(path.join(nginxDir, 'tmp'), { recursive: true });
  fs.mkdirSync(path.join(nginxRoot, NGINX_DAV_PREFIX), { recursive: true });
  const confFile = path.join(nginxDir, `${instance}.conf`);
  fs.writeFileSync(confFile, config(port, instance, workers));
  const errorLog = path.join(nginxDir, `${instance}-error.log`);
  const child = spawnTracked(binary, ['-p', nginxDir, '-c', confFile, '-e', errorLog], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { child, logFile: errorLog, accessLog: path.join(nginxDir, `${instance}-access.log`) };
}

/** Starts nginx and waits until it answers (a 404 for `/` without index is an answer). */
export async function startNginx(workers = 1): Promise<BenchServer> {
  const port = await freePort();
  const { child, logFile, accessLog } = spawnNginx(
    port,
    workers === 1 ? 'nginx' : `nginx-w${workers}`,
    workers,
  );
  const endpoint = await waitUntilAnswering(port, child);
  // SIGQUIT would wait for keep-alive connections; SIGTERM is nginx's fast shutdown.
  return {
    label: workers === 1 ? 'nginx' : `nginx (${workers} workers)`,
    endpoint,
    child,
    logFiles: [logFile, accessLog],
    stop: stopper(child, 'SIGTERM'),
  };
}
