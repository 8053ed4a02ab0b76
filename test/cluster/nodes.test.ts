/**
 * `zonal cluster status` lists the nodes: three nodes register at start and show "up" with
 * their own endpoints; one killed with SIGKILL turns "silent" once it missed three beats
 * while the others stay "up"; one stopped with SIGTERM deletes its row.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { zonalBin } from '../helpers/cli-server.js';
import { startCluster, type TestCluster } from '../helpers/zonal-cluster.js';

/** Test-only beat interval (ZONAL_HEARTBEAT_MS): "silent" after 3 × this without a beat. */
const BEAT_MS = 400;

interface ListedNode {
  id: string;
  host: string;
  endpoint: string;
  pid: number;
  startedAt: string;
  lastHeartbeat: string;
  secondsSinceHeartbeat: number;
  state: string;
}

let cluster: TestCluster;

before(async () => {
  cluster = await startCluster(3, { fsync: false, env: { ZONAL_HEARTBEAT_MS: String(BEAT_MS) } });
});
after(async () => {
  await cluster?.stop();
});

async function listedNodes(): Promise<ListedNode[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [
    zonalBin,
    'cluster',
    'status',
    '--metadata',
    cluster.metadataUrl,
  ]);
  return (JSON.parse(stdout) as { nodes: ListedNode[] }).nodes;
}

const byEndpoint = (nodes: ListedNode[], endpoint: string): ListedNode | undefined =>
  nodes.find((n) => n.endpoint === endpoint);

test('cluster status lists the nodes up, a killed one silent, and forgets one stopped cleanly', async () => {
  const [killed, stopped, kept] = cluster.nodes as [
    (typeof cluster.nodes)[0],
    (typeof cluster.nodes)[0],
    (typeof cluster.nodes)[0],
  ];
  const first = await listedNodes();
  assert.equal(first.length, 3);
  assert.deepEqual(first.map((n) => n.endpoint).sort(), cluster.nodes.map((n) => n.endpoint).sort());
  assert.equal(new Set(first.map((n) => n.id)).size, 3);
  for (const node of cluster.nodes) {
    const listed = byEndpoint(first, node.endpoint)!;
    assert.equal(listed.state, 'up');
    assert.equal(listed.pid, node.process.child.pid);
    assert.ok(listed.secondsSinceHeartbeat < (3 * BEAT_MS) / 1000);
    assert.ok(Date.parse(listed.lastHeartbeat) >= Date.parse(listed.startedAt));
  }

  await killed.process.stop('SIGKILL');
  await sleep(4 * BEAT_MS + 500);
  const afterKill = await listedNodes();
  assert.equal(afterKill.length, 3);
  assert.equal(byEndpoint(afterKill, killed.endpoint)!.state, 'silent');
  assert.ok(byEndpoint(afterKill, killed.endpoint)!.secondsSinceHeartbeat > (3 * BEAT_MS) / 1000);
  assert.equal(byEndpoint(afterKill, stopped.endpoint)!.state, 'up');
  assert.equal(byEndpoint(afterKill, kept.endpoint)!.state, 'up');

  assert.equal(await stopped.process.stop('SIGTERM'), 0);
  const afterStop = await listedNodes();
  assert.deepEqual(
    afterStop.map((n) => [n.endpoint, n.state]).sort(),
    [
      [killed.endpoint, 'silent'],
      [kept.endpoint, 'up'],
    ].sort(),
  );
});
