import fs from 'node:fs';
import path from 'node:path';
import { freePort, spawnTracked } from '../lib/children.js';
import { nginxPath } from '../lib/install.js';
import { nginxDir } from './nginx.js';
import { stopper, type BenchServer, waitUntilAnswering } from './server.js';

/**
 * nginx as the load balancer in front of cluster nodes: round robin, keep-alive to the nodes,
 * the client's Host passed through (SigV4 signs it), bodies streamed, not buffered.
 */
function config(port: number, instance: string, upstreams: readonly string[]): string {
  const user = process.getuid?.() === 0 ? 'user root root;' : '';
  const servers = upstreams.map((u) => `    server ${new URL(u).host};`).join('\n');
  return `${user}
worker_processes 1;
daemon off;
pid ${path.join(nginxDir, `${instance}.pid`)};
error_log ${path.join(nginxDir, `${instance}-error.log`)} warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_timeout 120s;
  keepalive_requests 100000000;
  client_body_temp_path ${path.join(nginxDir, 'tmp', `${instance}-body`)};
  proxy_temp_path ${path.join(nginxDir, 'tmp', `${instance}-proxy`)};
  upstream nodes {
${servers}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    client_max_body_size 0;
    location / {
      proxy_pass http://nodes;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_request_buffering off;
      proxy_buffering off;
      proxy_next_upstream off;
    }
  }
}
`;
}

/** Starts nginx balancing over `nodes`; its endpoint is what clients use. */
export async function startBalancer(instance: string, nodes: readonly BenchServer[]): Promise<BenchServer> {
  const binary = nginxPath();
  if (binary === undefined) throw new Error('nginx is not installed');
  fs.mkdirSync(path.join(nginxDir, 'tmp'), { recursive: true });
  const port = await freePort();
  const confFile = path.join(nginxDir, `${instance}.conf`);
  fs.writeFileSync(
    confFile,
    config(
      port,
      instance,
      nodes.map((n) => n.endpoint),
    ),
  );
  const errorLog = path.join(nginxDir, `${instance}-error.log`);
  const child = spawnTracked(binary, ['-p', nginxDir, '-c', confFile, '-e', errorLog], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const endpoint = await waitUntilAnswering(port, child);
  return { label: instance, endpoint, child, logFiles: [errorLog], stop: stopper(child, 'SIGTERM') };
}
