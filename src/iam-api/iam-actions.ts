/**
 * The IAM actions Zonal implements: users, access keys and inline user policies. Each handler
 * validates its parameters as IAM does, asks `authorize` (iam:<Action> on the user's ARN) before
 * it reveals whether anything exists, and returns the `<{Action}Result>` content.
 */
import { parsePolicy, PolicyError } from '../access/policy/index.js';
import type { IamIdentity } from '../auth/credentials.js';
import type { AccessKeyInfo, IdentitySource, UserInfo } from '../identity/identity-source.js';
import { MAX_PATH_LENGTH, POLICY_NAME, USER_NAME, USER_PATH } from '../identity/validate.js';
import type { MaybePromise } from '../util/maybe-promise.js';
import { IamError, validationError } from './iam-error.js';
import { lowerFirst, type QueryParams } from './query-request.js';
import type { XmlObject } from './xml.js';

export interface ActionContext {
  params: QueryParams;
  caller: IamIdentity;
  store: IdentitySource;
  /** Throws AccessDenied unless the caller may perform this action on `resource` (an ARN). */
  authorize(resource: string): void;
}

export type ActionHandler = (ctx: ActionContext) => MaybePromise<XmlObject | undefined>;

const MAX_POLICY_DOCUMENT_CHARS = 131072;

function patternError(member: string, value: string, pattern: string): IamError {
  return validationError(
    `1 validation error detected: Value '${value}' at '${lowerFirst(member)}' failed to satisfy constraint: ` +
      `Member must satisfy regular expression pattern: ${pattern}`,
  );
}

function checkUserName(value: string, member = 'UserName'): string {
  if (!USER_NAME.test(value)) throw patternError(member, value, '[\\w+=,.@-]+');
  return value;
}

function requiredUserName(params: QueryParams): string {
  return checkUserName(params.required('UserName'));
}

function checkPath(value: string, member: string, prefixOnly: boolean): string {
  const ok = prefixOnly ? /^\/[\x21-\x7f]*$/.test(value) : USER_PATH.test(value);
  if (!ok || value.length > MAX_PATH_LENGTH) {
    throw patternError(
      member,
      value,
      prefixOnly ? '\\u002F[\\u0021-\\u007F]*' : '(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)',
    );
  }
  return value;
}

/** The user an action is about: the `UserName` parameter, else the caller (undefined for a root). */
function targetUserName(ctx: ActionContext): string | undefined {
  const given = ctx.params.get('UserName');
  if (given !== undefined) return checkUserName(given);
  return ctx.caller.userName;
}

const rootKeysUnsupported = (): IamError =>
  validationError(
    'Zonal does not manage root access keys through the IAM API; specify UserName ' +
      '(root credentials come from the environment, root-credentials.json or the identities file).',
  );

/** The ARN IAM authorizes against: the existing user's (with its path), else `user/<name>`. */
function userResource(ctx: ActionContext, name: string): string {
  return (
    ctx.store.getUser(ctx.caller.accountId, name)?.arn ?? `arn:aws:iam::${ctx.caller.accountId}:user/${name}`
  );
}

function userXml(u: UserInfo): XmlObject {
  return { Path: u.path, UserName: u.name, UserId: u.userId, Arn: u.arn, CreateDate: u.createDate };
}

function keyXml(k: AccessKeyInfo, userName: string | undefined): XmlObject {
  return { UserName: userName, AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: k.createDate };
}

const encodeMarker = (key: string): string => Buffer.from(key, 'utf8').toString('base64url');

/** IAM paging: `MaxItems` (1–1000, default 100) and an opaque `Marker` (the last key returned). */
function paginate<T>(
  params: QueryParams,
  items: T[],
  keyOf: (item: T) => string,
): { items: T[]; IsTruncated: boolean; Marker?: string } {
  const rawMax = params.get('MaxItems');
  let max = 100;
  if (rawMax !== undefined) {
    max = Number(rawMax);
    if (!/^\d{1,4}$/.test(rawMax) || max < 1 || max > 1000) {
      throw validationError(
        `1 validation error detected: Value '${rawMax}' at 'maxItems' failed to satisfy constraint: ` +
          'Member must have value between 1 and 1000',
      );
    }
  }
  const marker = params.get('Marker');
  let start = 0;
  if (marker !== undefined) {
    if (marker === '' || marker.length > 320 || !/^[A-Za-z0-9_-]+$/.test(marker)) {
      throw validationError('Invalid Marker.');
    }
    const after = Buffer.from(marker, 'base64url').toString('utf8');
    start = items.findIndex((item) => keyOf(item) > after);
    if (start === -1) start = items.length;
  }
  const page = items.slice(start, start + max);
  const truncated = start + max < items.length;
  return truncated
    ? { items: page, IsTruncated: true, Marker: encodeMarker(keyOf(page[page.length - 1]!)) }
    : { items: page, IsTruncated: false };
}

async function createUser(ctx: ActionContext): Promise<XmlObject> {
  const { params, caller, store } = ctx;
  const name = requiredUserName(params);
  const userPath = checkPath(params.get('Path') ?? '/', 'Path', false);
  if (params.get('PermissionsBoundary') !== undefined) {
    throw validationError('Zonal does not support permissions boundaries.');
  }
  if (params.get('Tags.member.1.Key') !== undefined)
    throw validationError('Zonal does not support user tags.');
  ctx.authorize(`arn:aws:iam::${caller.accountId}:user${userPath}${name}`);
  return { User: userXml(await store.createUser(caller.accountId, name, userPath)) };
}

function getUser(ctx: ActionContext): XmlObject {
  const { caller, store } = ctx;
  const name = targetUserName(ctx);
  if (name === undefined) {
    // The root user, as AWS shows it: no name or path, the account id as its id.
    ctx.authorize(caller.arn);
    const created = store.rootAccessKeys(caller.accountId)[0]?.createDate;
    return { User: { UserId: caller.accountId, Arn: caller.arn, CreateDate: created } };
  }
  ctx.authorize(userResource(ctx, name));
  const user = store.getUser(caller.accountId, name);
  if (!user) throw notFoundUser(name);
  return { User: userXml(user) };
}

const notFoundUser = (name: string): IamError =>
  new IamError('NoSuchEntity', `The user with name ${name} cannot be found.`, 404);

function listUsers(ctx: ActionContext): XmlObject {
  const { params, caller, store } = ctx;
  const prefix = checkPath(params.get('PathPrefix') ?? '/', 'PathPrefix', true);
  ctx.authorize(`arn:aws:iam::${caller.accountId}:user${prefix}`);
  const page = paginate(params, store.listUsers(caller.accountId, prefix), (u) => u.name.toLowerCase());
  return { Users: page.items.map(userXml), IsTruncated: page.IsTruncated, Marker: page.Marker };
}

async function deleteUser(ctx: ActionContext): Promise<undefined> {
  const name = requiredUserName(ctx.params);
  ctx.authorize(userResource(ctx, name));
  await ctx.store.deleteUser(ctx.caller.accountId, name);
  return undefined;
}

async function createAccessKey(ctx: ActionContext): Promise<XmlObject> {
  const name = targetUserName(ctx);
  if (name === undefined) throw rootKeysUnsupported();
  ctx.authorize(userResource(ctx, name));
  const key = await ctx.store.createAccessKey(ctx.caller.accountId, name);
  return {
    AccessKey: {
      UserName: key.userName,
      AccessKeyId: key.accessKeyId,
      Status: key.status,
      SecretAccessKey: key.secretAccessKey,
      CreateDate: key.createDate,
    },
  };
}

function listAccessKeys(ctx: ActionContext): XmlObject {
  const { params, caller, store } = ctx;
  const name = targetUserName(ctx);
  let keys: readonly AccessKeyInfo[];
  let userName: string | undefined;
  if (name === undefined) {
    ctx.authorize(caller.arn);
    keys = store.rootAccessKeys(caller.accountId);
  } else {
    ctx.authorize(userResource(ctx, name));
    const user = store.getUser(caller.accountId, name);
    if (!user) throw notFoundUser(name);
    keys = user.accessKeys;
    userName = user.name;
  }
  const sorted = [...keys].sort((a, b) => (a.accessKeyId < b.accessKeyId ? -1 : 1));
  const page = paginate(params, sorted, (k) => k.accessKeyId);
  return {
    AccessKeyMetadata: page.items.map((k) => keyXml(k, userName)),
    IsTruncated: page.IsTruncated,
    Marker: page.Marker,
  };
}

function accessKeyIdParam(params: QueryParams): string {
  const id = params.required('AccessKeyId');
  if (!/^\w{16,128}$/.test(id)) throw patternError('AccessKeyId', id, '[\\w]+');
  return id;
}

async function deleteAccessKey(ctx: ActionContext): Promise<undefined> {
  const id = accessKeyIdParam(ctx.params);
  const name = targetUserName(ctx);
  if (name === undefined) throw rootKeysUnsupported();
  ctx.authorize(userResource(ctx, name));
  await ctx.store.deleteAccessKey(ctx.caller.accountId, name, id);
  return undefined;
}

async function updateAccessKey(ctx: ActionContext): Promise<undefined> {
  const id = accessKeyIdParam(ctx.params);
  const status = ctx.params.required('Status');
  if (status !== 'Active' && status !== 'Inactive') {
    throw validationError(
      `1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: ` +
        'Member must satisfy enum value set: [Active, Inactive]',
    );
  }
  const name = targetUserName(ctx);
  if (name === undefined) throw rootKeysUnsupported();
  ctx.authorize(userResource(ctx, name));
  await ctx.store.updateAccessKey(ctx.caller.accountId, name, id, status);
  return undefined;
}

function policyNameParam(params: QueryParams): string {
  const name = params.required('PolicyName');
  if (!POLICY_NAME.test(name)) throw patternError('PolicyName', name, '[\\w+=,.@-]+');
  return name;
}

async function putUserPolicy(ctx: ActionContext): Promise<undefined> {
  const { params, caller, store } = ctx;
  const name = requiredUserName(params);
  const policyName = policyNameParam(params);
  const text = params.required('PolicyDocument');
  ctx.authorize(userResource(ctx, name));
  if (text.length > MAX_POLICY_DOCUMENT_CHARS) {
    throw validationError(
      `1 validation error detected: Value at 'policyDocument' failed to satisfy constraint: ` +
        `Member must have length less than or equal to ${MAX_POLICY_DOCUMENT_CHARS}`,
    );
  }
  try {
    parsePolicy(text, 'identity');
  } catch (err) {
    if (err instanceof PolicyError) throw new IamError('MalformedPolicyDocument', err.message, 400);
    throw err;
  }
  await store.putUserPolicy(caller.accountId, name, policyName, JSON.parse(text) as object);
  return undefined;
}

function getUserPolicy(ctx: ActionContext): XmlObject {
  const { params, caller, store } = ctx;
  const name = requiredUserName(params);
  const policyName = policyNameParam(params);
  ctx.authorize(userResource(ctx, name));
  const document = store.userPolicy(caller.accountId, name, policyName);
  return {
    UserName: store.getUser(caller.accountId, name)!.name,
    PolicyName: policyName,
    // URL-encoded, as IAM returns policy documents.
    PolicyDocument: encodeURIComponent(JSON.stringify(document)),
  };
}

function listUserPolicies(ctx: ActionContext): XmlObject {
  const { params, caller, store } = ctx;
  const name = requiredUserName(params);
  ctx.authorize(userResource(ctx, name));
  const user = store.getUser(caller.accountId, name);
  if (!user) throw notFoundUser(name);
  const page = paginate(params, [...user.policyNames].sort(), (n) => n);
  return { PolicyNames: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
}

async function deleteUserPolicy(ctx: ActionContext): Promise<undefined> {
  const { params, caller, store } = ctx;
  const name = requiredUserName(params);
  const policyName = policyNameParam(params);
  ctx.authorize(userResource(ctx, name));
  await store.deleteUserPolicy(caller.accountId, name, policyName);
  return undefined;
}

/** Action name → handler; the authorized IAM action is `iam:<name>`. */
export const IAM_ACTIONS: Readonly<Record<string, ActionHandler>> = {
  CreateUser: createUser,
  GetUser: getUser,
  ListUsers: listUsers,
  DeleteUser: deleteUser,
  CreateAccessKey: createAccessKey,
  ListAccessKeys: listAccessKeys,
  DeleteAccessKey: deleteAccessKey,
  UpdateAccessKey: updateAccessKey,
  PutUserPolicy: putUserPolicy,
  GetUserPolicy: getUserPolicy,
  ListUserPolicies: listUserPolicies,
  DeleteUserPolicy: deleteUserPolicy,
};
