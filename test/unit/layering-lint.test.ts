/** `npm run lint` refuses an import against the direction of the layers (eslint.config.js). */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

async function restrictedImports(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test('an import against the direction fails lint; one along it passes', async () => {
  const up = await restrictedImports(
    'src/storage/planted.ts',
    "import { ZonalServer } from '../server/zonal-server.js';\nexport const x = ZonalServer;\n",
  );
  assert.equal(up.length, 1);
  assert.match(up[0]!, /src\/storage\/ may not import src\/server/);
  const deep = await restrictedImports(
    'src/access/policy/planted.ts',
    "import type { ObjectStore } from '../../storage/object-store.js';\nexport type X = ObjectStore;\n",
  );
  assert.equal(deep.length, 0, 'access may use storage types');
  const handler = await restrictedImports(
    'src/operations/planted.ts',
    "import { HANDLERS } from '../server/operation-table.js';\nexport const x = HANDLERS;\n",
  );
  assert.equal(handler.length, 1, 'operations may not import server');
  const down = await restrictedImports(
    'src/server/planted.ts',
    "import { openObjectStore } from '../storage/open-store.js';\nexport const x = openObjectStore;\n",
  );
  assert.deepEqual(down, []);
});

test('identities may use the policy language but not the authorizer', async () => {
  const policy = await restrictedImports(
    'src/identity/planted.ts',
    "import { parsePolicy } from '../access/policy/index.js';\nexport const x = parsePolicy;\n",
  );
  assert.deepEqual(policy, []);
  const authorizer = await restrictedImports(
    'src/identity/planted.ts',
    "import { RequestAuthorizer } from '../access/request-authorizer.js';\nexport const x = RequestAuthorizer;\n",
  );
  assert.equal(authorizer.length, 1);
});
