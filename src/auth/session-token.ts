import crypto from 'node:crypto';
import type { ServerSideEncryption } from '../protocol/encryption.js';
import { LruMap } from '../util/lru.js';
import { randomBytes } from './random-ids.js';
import type { SessionKeyRing } from './session-key-ring.js';

export type SessionMode = 'ReadWrite' | 'ReadOnly';

/** Everything a session token carries. Every field is required: no claim is optional. */
export interface SessionClaims {
  accountId: string;
  /** ARN of the IAM principal that created the session. */
  principalArn: string;
  bucket: string;
  /**
   * The incarnation and owner of the bucket at CreateSession: a session never reaches a bucket
   * deleted and created again under its name (docs/SECURITY.md).
   */
  bucketIncarnation: string;
  bucketOwnerAccountId: string;
  /** The access point the session was created through, if any: it is bound to it. */
  accessPoint?: string;
  mode: SessionMode;
  /** Seconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
  accessKeyId: string;
  secretAccessKey: string;
  /** Server-side encryption fixed at CreateSession for the session's writes. */
  encryption: ServerSideEncryption;
}

const TOKEN_PREFIX = 'Z1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Upper bound on a token we try to open, so garbage cannot make us allocate much. */
const MAX_TOKEN_LENGTH = 4096;

/**
 * Seals and opens stateless session tokens: AES-256-GCM envelopes keyed by a dedicated key
 * ring (never a user secret). Any process holding the ring verifies a session without a lookup;
 * the key id inside the token lets old keys keep verifying after a rotation.
 */
export class SessionTokenSealer {
  private readonly opened = new LruMap<string, SessionClaims>(10_000);

  constructor(private readonly ring: SessionKeyRing) {}

  seal(claims: SessionClaims): string {
    const { id, key } = this.ring.activeKey();
    const iv = randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(id));
    const body = Buffer.concat([cipher.update(JSON.stringify(claims), 'utf8'), cipher.final()]);
    const envelope = Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
    return `${TOKEN_PREFIX}.${id}.${envelope}`;
  }

  /** The claims of an authentic token, or undefined for anything forged, altered or unknown. */
  open(token: string): SessionClaims | undefined {
    const cached = this.opened.get(token);
    if (cached) return cached;
    const claims = this.decrypt(token);
    if (claims) this.opened.set(token, claims);
    return claims;
  }

  private decrypt(token: string): SessionClaims | undefined {
    if (token.length > MAX_TOKEN_LENGTH) return undefined;
    const [prefix, keyId, envelope, ...rest] = token.split('.');
    if (prefix !== TOKEN_PREFIX || keyId === undefined || envelope === undefined || rest.length > 0) {
      return undefined;
    }
    const key = this.ring.keyById(keyId)?.key;
    if (!key) return undefined;
    const raw = Buffer.from(envelope, 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES + 2) return undefined;
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(aad(keyId));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return validClaims(JSON.parse(plain.toString('utf8')));
    } catch {
      return undefined;
    }
  }
}

function aad(keyId: string): Buffer {
  return Buffer.from(`zonal-session-v1|${keyId}`);
}

/** Belt and braces: even an authentic envelope must carry every claim with the right type. */
function validClaims(value: unknown): SessionClaims | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const c = value as Record<string, unknown>;
  // Tokens sealed before sessions named their bucket's incarnation lack it: invalid.
  const strings = [
    'accountId',
    'principalArn',
    'bucket',
    'bucketIncarnation',
    'bucketOwnerAccountId',
    'accessKeyId',
    'secretAccessKey',
  ];
  if (!strings.every((k) => typeof c[k] === 'string' && c[k] !== '')) return undefined;
  if (c.mode !== 'ReadWrite' && c.mode !== 'ReadOnly') return undefined;
  if (c.accessPoint !== undefined && (typeof c.accessPoint !== 'string' || c.accessPoint === ''))
    return undefined;
  if (!Number.isInteger(c.issuedAt) || !Number.isInteger(c.expiresAt)) return undefined;
  const enc = c.encryption as Record<string, unknown> | undefined;
  if (!enc || (enc.algorithm !== 'AES256' && enc.algorithm !== 'aws:kms')) return undefined;
  return c as unknown as SessionClaims;
}
