import type { IamIdentity } from '../auth/credentials.js';
import type { IdentityReader } from '../identity/identity-source.js';
import type { SessionCreatorLookup } from './request-authorizer.js';

const ROOT_ARN = /^arn:aws:iam::(\d{12}):root$/;
const USER_ARN = /^arn:aws:iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/;

/**
 * The identity behind a session's principal ARN, as it is now: a deleted user (or one
 * re-created under the same name, with a new id) no longer stands behind old sessions.
 */
export function sessionCreators(store: IdentityReader): SessionCreatorLookup {
  return {
    identityForArn(arn: string): IamIdentity | undefined {
      const root = ROOT_ARN.exec(arn);
      if (root) {
        const accountId = root[1]!;
        return store.hasAccount(accountId)
          ? { accountId, arn, isRoot: true, accessKeyId: '', secretAccessKey: '' }
          : undefined;
      }
      const user = USER_ARN.exec(arn);
      const info = user ? store.getUser(user[1]!, user[2]!) : undefined;
      if (!info || info.arn !== arn) return undefined;
      return {
        accountId: info.accountId,
        arn: info.arn,
        isRoot: false,
        userName: info.name,
        userId: info.userId,
        accessKeyId: '',
        secretAccessKey: '',
      };
    },
  };
}
