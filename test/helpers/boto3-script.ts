/** Python scripts that drive Zonal with boto3, for e2e tests that check a flow with it too. */
import { execFile, spawnSync } from 'node:child_process';

/** Whether this machine's python3 has boto3 (the suites skip, saying so, when not). */
export const hasBoto3 = spawnSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;

/** Runs `script` (`python3 -c`) with `args`; resolves with the JSON it prints, rejects with its stderr. */
export function runBoto3Script(script: string, args: readonly string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile('python3', ['-c', script, ...args], (err, stdout, stderr) => {
      if (err) reject(new Error(`python3 failed: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout) as Record<string, unknown>);
    });
  });
}
