/**
 * STS: GetCallerIdentity only (Zonal issues no temporary credentials through STS). It needs no
 * permission, as on AWS: any valid key may ask who it is.
 */
import type { ActionHandler } from './iam-actions.js';

export const STS_ACTIONS: Readonly<Record<string, ActionHandler>> = {
  GetCallerIdentity: ({ caller }) => ({
    // The root user's id is its account id; an IAM user's is its AIDA… id.
    UserId: caller.isRoot ? caller.accountId : (caller.userId ?? caller.accountId),
    Account: caller.accountId,
    Arn: caller.arn,
  }),
};
