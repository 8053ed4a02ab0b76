import { startTestZonal, type TestZonal } from './zonal-fixture.js';

/** The default account, and a second one known by its root key only. */
export const ACCOUNT_A = '111111111111';
export const ACCOUNT_B = '222222222222';
export const B_ROOT = {
  accessKeyId: 'AKIAROOTOFACCOUNTBXX',
  secretAccessKey: 'secret-of-the-root-of-account-b-0000000',
};

/** A server whose root belongs to account A, with account B's root key in its identities. */
export function startTwoAccountZonal(): Promise<TestZonal> {
  return startTestZonal(
    {},
    {
      accountId: ACCOUNT_A,
      identities: { accounts: [{ id: ACCOUNT_B, rootAccessKeys: [B_ROOT], users: [] }] },
    },
  );
}
