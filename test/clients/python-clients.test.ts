/**
 * The Python client suites (test/clients/python/): boto3 and the AWS CLI against servers this
 * test starts, over HTTP and HTTPS (the self-signed certificate, trusted through
 * AWS_CA_BUNDLE / verify=), in path style (an IP endpoint) and virtual-hosted style
 * (`localhost`, with `*.localhost` resolved to the loopback inside the Python processes). Each
 * suite is one pytest run; its exit code decides and its output is reported.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SELF_SIGNED_CERT } from '../../src/server/tls.js';
import { repoRoot } from '../helpers/cli-server.js';
import { ROOT_KEY, startTestZonal, type TestZonal } from '../helpers/zonal-fixture.js';

const SUITES = path.join(repoRoot, 'test/clients/python');
const PYTHON = process.env.ZONAL_TEST_PYTHON ?? 'python3';

/** Why the suites cannot run here, or undefined when python3 has boto3, pytest and the AWS CLI. */
function missingTools(): string | undefined {
  const py = spawnSync(PYTHON, ['-c', 'import boto3, pytest'], { encoding: 'utf8' });
  if (py.error || py.status !== 0)
    return `${PYTHON} with boto3 and pytest: ${py.error?.message ?? py.stderr}`;
  const cli = spawnSync('aws', ['--version'], { encoding: 'utf8' });
  if (cli.error || cli.status !== 0) return `the AWS CLI: ${cli.error?.message ?? cli.stderr}`;
  return undefined;
}

interface Run {
  code: number | null;
  output: string;
}

/** One pytest run of `file` against `endpoint`; resolves with its exit code and output. */
function pytest(
  file: string,
  endpoint: string,
  caBundle: string | undefined,
  extra: string[] = [],
): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PYTHONDONTWRITEBYTECODE: '1',
    // Nothing from the developer's own AWS setup.
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    ZONAL_ENDPOINT: endpoint,
    ZONAL_ROOT_KEY: ROOT_KEY.accessKeyId,
    ZONAL_ROOT_SECRET: ROOT_KEY.secretAccessKey,
    ...(caBundle ? { ZONAL_CA_BUNDLE: caBundle } : {}),
  };
  const args = [
    '-m',
    'pytest',
    '-q',
    '-p',
    'no:cacheprovider',
    '-W',
    'ignore::DeprecationWarning',
    file,
    ...extra,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { cwd: SUITES, env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function expectPass(run: Promise<Run>): Promise<void> {
  const { code, output } = await run;
  assert.equal(code, 0, output);
  assert.doesNotMatch(output, /SSLError|EOF occurred in violation of protocol/, output);
}

const missing = missingTools();

describe('Python clients: boto3 and the AWS CLI', { skip: missing && `needs ${missing}` }, () => {
  let plain: TestZonal;
  let secure: TestZonal;
  let ca: string;

  before(async () => {
    plain = await startTestZonal();
    secure = await startTestZonal({ tls: { selfSigned: true } });
    ca = path.join(secure.dataDir, SELF_SIGNED_CERT);
  });
  after(async () => {
    await plain?.close();
    await secure?.close();
  });

  test('boto3, HTTP, path style', () => expectPass(pytest('test_boto3.py', plain.ipEndpoint, undefined)));

  // Virtual-hosted over HTTPS under zonal.localhost: the certificate's *.zonal.localhost
  // satisfies every TLS stack (Python's ssl refuses *.localhost, urllib3 and Node differ).
  test('boto3, HTTPS, virtual-hosted style', () =>
    expectPass(pytest('test_boto3.py', `https://zonal.localhost:${secure.zonal.port}`, ca)));

  // The uploads that used to come back as SSLError over HTTPS, in path style too.
  test('boto3, HTTPS, path style: errors on uploads, sessions, IAM', () =>
    expectPass(
      pytest('test_boto3.py', `https://127.0.0.1:${secure.zonal.port}`, ca, [
        '-k',
        'conditional or sessions or first_call or iam',
      ]),
    ));

  test('AWS CLI, HTTPS, virtual-hosted style', () =>
    expectPass(pytest('test_cli.py', `https://zonal.localhost:${secure.zonal.port}`, ca)));
});
