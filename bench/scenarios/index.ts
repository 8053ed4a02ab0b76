import { clusterScenario } from './cluster.js';
import { coldStartScenario } from './cold-start.js';
import { createSessionScenario } from './create-session.js';
import { getScenario } from './get.js';
import { listScenario } from './list.js';
import { multiCoreScenario } from './multi-core.js';
import { multipartScenario } from './multipart.js';
import { putScenario } from './put.js';
import type { Scenario } from './scenario.js';
import { streamRssScenario } from './stream-rss.js';

/** Every scenario, in the order a full run takes them. */
export const SCENARIOS: Scenario[] = [
  coldStartScenario,
  getScenario('4k'),
  getScenario('64k'),
  getScenario('1m'),
  putScenario('4k'),
  putScenario('1m'),
  createSessionScenario,
  listScenario,
  multipartScenario,
  streamRssScenario,
  multiCoreScenario,
  clusterScenario,
];

/** Scenarios whose id equals or starts with one of `only` (all when empty). */
export function selectScenarios(only: string[]): Scenario[] {
  if (only.length === 0) return SCENARIOS;
  const chosen = SCENARIOS.filter((s) => only.some((o) => s.id === o || s.id.startsWith(o)));
  const unknown = only.filter((o) => !SCENARIOS.some((s) => s.id === o || s.id.startsWith(o)));
  if (unknown.length > 0)
    throw new Error(
      `unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`,
    );
  return chosen;
}
