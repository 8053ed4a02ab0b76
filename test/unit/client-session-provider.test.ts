import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { TimedSessionCredentials } from '../../src/client/create-session.js';
import {
  S3ExpressSessionProvider,
  type SessionFailureInfo,
  type SessionProviderOptions,
} from '../../src/client/session-provider.js';
import type { SessionRequest } from '../../src/client/session-source.js';

const IAM: AwsCredentialIdentity = { accessKeyId: 'AKIAUNITTEST00000001', secretAccessKey: 'secret' };
const BUCKET = 'unit--use1-az4--x-s3';
const T0 = 1_700_000_000_000;

/** A fake CreateSession: records calls; each answer is decided by `answer`. */
class FakeSource {
  readonly calls: SessionRequest[] = [];
  /** Server clock minus the test clock, ms. */
  skewMs = 0;
  lifetimeMs = 300_000;
  fail: Error | undefined;
  /** When set, calls wait until `release()` is called. */
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;

  constructor(private readonly clock: () => number) {}

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  readonly source = async (request: SessionRequest): Promise<TimedSessionCredentials> => {
    this.calls.push(request);
    const n = this.calls.length;
    if (this.gate) await this.gate;
    if (this.fail) throw this.fail;
    const serverNow = this.clock() + this.skewMs;
    return {
      credentials: {
        AccessKeyId: `ASIA${n}`,
        SecretAccessKey: `secret-${n}`,
        SessionToken: `token-${n}`,
        // Whole seconds, as S3 sends them.
        Expiration: new Date(Math.floor((serverNow + this.lifetimeMs) / 1000) * 1000),
      },
      serverDate: Math.floor(serverNow / 1000) * 1000,
    };
  };
}

function setup(options: SessionProviderOptions = {}) {
  let clock = T0;
  const fake = new FakeSource(() => clock);
  const provider = new S3ExpressSessionProvider(fake.source, {
    now: () => clock,
    random: () => 1,
    ...options,
  });
  return {
    fake,
    provider,
    advance: (ms: number) => (clock += ms),
    now: () => clock,
    get: (bucket = BUCKET, identity = IAM) => provider.getS3ExpressIdentity(identity, { Bucket: bucket }),
  };
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('S3ExpressSessionProvider', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  before(() => process.on('unhandledRejection', onUnhandled));
  after(async () => {
    await settle();
    process.off('unhandledRejection', onUnhandled);
    assert.deepEqual(unhandled, [], 'no unhandled rejections in the whole suite');
  });

  test('plugs into S3ClientConfig', () => {
    const { provider } = setup();
    const config: S3ClientConfig = { s3ExpressIdentityProvider: provider };
    assert.ok(config.s3ExpressIdentityProvider);
  });

  test('single-flight: 50 concurrent first requests make one CreateSession', async () => {
    const { fake, provider, get } = setup();
    fake.hold();
    const pending = Array.from({ length: 50 }, () => get());
    await settle();
    assert.equal(fake.calls.length, 1);
    fake.release();
    const identities = await Promise.all(pending);
    assert.ok(identities.every((i) => i.accessKeyId === 'ASIA1' && i.sessionToken === 'token-1'));
    await get();
    assert.equal(fake.calls.length, 1);
    const stats = provider.stats();
    assert.equal(stats.created, 1);
    assert.equal(stats.misses, 50);
    assert.equal(stats.hits, 1);
    assert.equal(stats.inFlight, 0);
  });

  test('sessions are keyed by IAM identity, bucket and mode', async () => {
    const { fake, get } = setup({ mode: (bucket) => (bucket.startsWith('logs') ? 'ReadOnly' : 'ReadWrite') });
    await get(BUCKET);
    await get(BUCKET, { ...IAM }); // same identity, another object
    assert.equal(fake.calls.length, 1);
    await get(BUCKET, { ...IAM, accessKeyId: 'AKIAOTHER' });
    await get(BUCKET, { ...IAM, sessionToken: 'sts-1' });
    await get(BUCKET, { ...IAM, sessionToken: 'sts-2' });
    await get('other--use1-az4--x-s3');
    await get('logs--use1-az4--x-s3');
    assert.equal(fake.calls.length, 6);
    assert.equal(fake.calls[1]!.identity.accessKeyId, 'AKIAOTHER', 'created with the caller identity');
    assert.equal(fake.calls[2]!.identity.sessionToken, 'sts-1');
    assert.equal(fake.calls[0]!.sessionMode, 'ReadWrite');
    assert.equal(fake.calls[5]!.sessionMode, 'ReadOnly');
  });

  test('mode maps, the * fallback and leaving the mode to the server', async () => {
    const { fake, get } = setup({ mode: { 'ro--use1-az4--x-s3': 'ReadOnly', '*': 'ServerDefault' } });
    await get('ro--use1-az4--x-s3');
    await get('any--use1-az4--x-s3');
    assert.equal(fake.calls[0]!.sessionMode, 'ReadOnly');
    assert.equal('sessionMode' in fake.calls[1]!, false, 'no mode header when the server picks');
  });

  test('bounded: the least recently used sessions are dropped', async () => {
    const { fake, provider, get } = setup({ maxEntries: 3 });
    const name = (i: number) => `b${i}--use1-az4--x-s3`;
    for (let i = 0; i < 3; i++) await get(name(i));
    await get(name(0)); // b0 is now the most recently used
    await get(name(3)); // evicts b1
    assert.equal(provider.stats().entries, 3);
    assert.equal(fake.calls.length, 4);
    await get(name(0));
    await get(name(2));
    await get(name(3));
    assert.equal(fake.calls.length, 4, 'kept entries are hits');
    await get(name(1));
    assert.equal(fake.calls.length, 5, 'the evicted one is created again');
    assert.equal(provider.stats().entries, 3);
  });

  test('refreshes in the background ahead of expiry; callers keep the current session', async () => {
    const { fake, provider, get, advance } = setup({ refreshWindowMs: 60_000 });
    const events: string[] = [];
    provider.on('refresh', () => events.push('refresh'));
    provider.on('session', (e) => events.push(`session background=${e.background}`));
    const first = await get();
    // Expiry is conservative by the one-second resolution of Date: 299 s on the local clock.
    assert.equal(first.expiration.getTime(), T0 + 299_000);
    advance(238_000); // 1 s before the window
    assert.equal((await get()).accessKeyId, 'ASIA1');
    assert.equal(fake.calls.length, 1);
    advance(2_000); // in the window
    fake.hold();
    assert.equal((await get()).accessKeyId, 'ASIA1', 'the current session is returned at once');
    assert.equal((await get()).accessKeyId, 'ASIA1', 'still, while the refresh is in flight');
    assert.equal(fake.calls.length, 2, 'one refresh');
    fake.release();
    await settle();
    assert.equal((await get()).accessKeyId, 'ASIA2');
    assert.deepEqual(events, ['session background=false', 'refresh', 'session background=true']);
    const stats = provider.stats();
    assert.equal(stats.refreshes, 1);
    assert.equal(stats.misses, 1);
  });

  test('the refresh window is at most half the lifetime', async () => {
    const { fake, get, advance } = setup({ refreshWindowMs: 60_000 });
    fake.lifetimeMs = 5_000;
    await get();
    // Local lifetime 4 s (5 s less the Date resolution): refresh 2 s before expiry.
    advance(1_900);
    await get();
    assert.equal(fake.calls.length, 1);
    advance(200);
    await get();
    assert.equal(fake.calls.length, 2, 'refreshed halfway');
  });

  test('a failure reaches the caller, then backs off exponentially, and is never cached for good', async () => {
    const { fake, provider, get, advance } = setup({ backoff: { initialMs: 100, maxMs: 1_000 } });
    const failures: SessionFailureInfo[] = [];
    provider.on('failure', (f) => failures.push(f));
    fake.fail = new Error('connect ECONNREFUSED');
    await assert.rejects(get(), /ECONNREFUSED/);
    assert.equal(fake.calls.length, 1);
    // Inside the backoff: the same error at once, no new CreateSession.
    advance(50);
    await assert.rejects(get(), /ECONNREFUSED/);
    assert.equal(fake.calls.length, 1);
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      advance(failures.at(-1)!.retryInMs);
      await assert.rejects(get(), /ECONNREFUSED/);
      waits.push(failures.at(-1)!.retryInMs);
    }
    assert.equal(fake.calls.length, 6);
    assert.deepEqual(waits, [200, 400, 800, 1_000, 1_000], 'doubling, capped (random() = 1)');
    assert.ok(failures.every((f) => !f.background));
    fake.fail = undefined;
    advance(1_000);
    assert.equal((await get()).accessKeyId, 'ASIA7');
    assert.equal(provider.stats().failures, 6);
    // Success resets the backoff.
    fake.fail = new Error('again');
    advance(300_000);
    await assert.rejects(get(), /again/);
    assert.equal(failures.at(-1)!.failures, 1);
    assert.equal(failures.at(-1)!.retryInMs, 100);
  });

  test('jitter keeps the wait in the upper half of the backoff step', async () => {
    const { fake, provider, get } = setup({ backoff: { initialMs: 100, maxMs: 1_000 }, random: () => 0 });
    let retryInMs = -1;
    provider.on('failure', (f) => (retryInMs = f.retryInMs));
    fake.fail = new Error('x');
    await assert.rejects(get());
    assert.equal(retryInMs, 50);
  });

  test('a background refresh failure is reported, never thrown, and the valid session stays in use', async () => {
    const { fake, provider, get, advance } = setup({ backoff: { initialMs: 1_000, maxMs: 1_000 } });
    const failures: SessionFailureInfo[] = [];
    provider.on('failure', (f) => failures.push(f));
    await get();
    advance(250_000); // in the refresh window
    fake.fail = new Error('refresh failed');
    assert.equal((await get()).accessKeyId, 'ASIA1');
    await settle();
    assert.equal(failures.length, 1);
    assert.equal(failures[0]!.background, true);
    assert.equal(provider.stats().backgroundFailures, 1);
    // Still valid: used without a new attempt until the backoff has passed.
    assert.equal((await get()).accessKeyId, 'ASIA1');
    assert.equal(fake.calls.length, 2);
    advance(1_000);
    fake.fail = undefined;
    assert.equal((await get()).accessKeyId, 'ASIA1');
    await settle();
    assert.equal(fake.calls.length, 3, 'retried after the backoff');
    assert.equal((await get()).accessKeyId, 'ASIA3');
  });

  test('an expired session with the server down fails the caller', async () => {
    const { fake, get, advance } = setup();
    await get();
    advance(300_000);
    fake.fail = new Error('down');
    await assert.rejects(get(), /down/);
  });

  test('a throwing listener does not disturb the cache', async () => {
    const { provider, get } = setup();
    provider.on('miss', () => {
      throw new Error('listener bug');
    });
    provider.on('session', () => {
      throw new Error('listener bug');
    });
    assert.equal((await get()).accessKeyId, 'ASIA1');
  });

  test('invalidate forgets sessions', async () => {
    const { fake, provider, get } = setup();
    await get(BUCKET);
    await get('other--use1-az4--x-s3');
    provider.invalidate(BUCKET);
    assert.equal(provider.stats().entries, 1);
    await get(BUCKET);
    assert.equal(fake.calls.length, 3);
    provider.invalidate();
    assert.equal(provider.stats().entries, 0);
  });
});

describe('clock skew', () => {
  test('a server 10 minutes ahead: expiry and refresh follow the server clock', async () => {
    const { fake, get, advance } = setup({ refreshWindowMs: 60_000 });
    fake.skewMs = 10 * 60_000;
    const first = await get();
    // Expiration reads T0 + 15 min; the session lives 5 min (less the Date resolution).
    assert.equal(first.expiration.getTime(), T0 + 299_000);
    advance(238_000);
    await get();
    assert.equal(fake.calls.length, 1, 'no refresh before the window');
    advance(2_000);
    await get();
    assert.equal(fake.calls.length, 2, 'refreshed 60 s before the real expiry, not 10 min late');
  });

  test('a server 10 minutes behind: its sessions are not taken for expired', async () => {
    const { fake, provider, get, advance } = setup();
    fake.skewMs = -10 * 60_000;
    const first = await get();
    assert.equal(first.expiration.getTime(), T0 + 299_000);
    advance(100_000);
    for (let i = 0; i < 10; i++) await get();
    assert.equal(fake.calls.length, 1);
    assert.equal(provider.stats().hits, 10);
  });

  test('without a Date header the local clock is trusted', async () => {
    const provider = new S3ExpressSessionProvider(
      async () => ({
        credentials: {
          AccessKeyId: 'ASIAX',
          SecretAccessKey: 's',
          SessionToken: 't',
          Expiration: new Date(T0 + 300_000),
        },
      }),
      { now: () => T0 },
    );
    const identity = await provider.getS3ExpressIdentity(IAM, { Bucket: BUCKET });
    assert.equal(identity.expiration.getTime(), T0 + 300_000);
  });
});
