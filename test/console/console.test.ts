/**
 * The web console in a real browser (Debian's headless Chromium, driven by playwright-core):
 * sign in, buckets, objects (drag and drop, multipart upload with a progress bar, browse,
 * download byte for byte), sessions, identities and the explain simulator, live metrics, and
 * what a user without permissions sees. With ZONAL_SCREENSHOTS=1 the screenshots of each page
 * go to docs/screenshots/ (else to a temporary dir).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startZonal, type ZonalTestServer } from '../../src/testing/start-zonal.js';
import { launchChromium } from '../helpers/chromium.js';

// The browser globals of the functions run in the page (page.evaluate, waitForFunction),
// declared here rather than through lib "dom", so that nothing else gets them by mistake.
interface PageElement {
  value: string;
  max: number;
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  getAttribute(name: string): string | null;
  removeAttribute(name: string): void;
}
declare const document: {
  getElementById(id: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
};
declare const location: { hash: string };
declare class DataTransfer {
  items: { add(file: unknown): void };
}
declare class File {
  constructor(parts: string[], name: string, options: { type: string });
}

const SCREENSHOTS =
  process.env.ZONAL_SCREENSHOTS === '1'
    ? path.resolve(import.meta.dirname, '../../../docs/screenshots')
    : fs.mkdtempSync(path.join(os.tmpdir(), 'zonal-console-shots-'));
const BUCKET = 'photos--use1-az4--x-s3';
/** Above the console's 8 MiB part size: uploaded in two parts. */
const BIG = randomBytes(10 * 1024 * 1024 + 12345);

describe('web console', { timeout: 120_000 }, () => {
  let zonal: ZonalTestServer;
  let browser: Browser;
  let root: BrowserContext;
  let page: Page;
  let nobody: { accessKeyId: string; secretAccessKey: string };

  const shot = (p: Page, name: string) =>
    p.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const go = async (p: Page, hash: string) => {
    await p.evaluate((h) => (location.hash = h), hash);
  };

  async function signIn(p: Page, keys: { accessKeyId: string; secretAccessKey: string }) {
    await p.goto(`${zonal.endpoint}/console/`);
    await p.fill('#access-key-id', keys.accessKeyId);
    await p.fill('#secret-access-key', keys.secretAccessKey);
    await p.click('#sign-in');
  }

  before(async () => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    [zonal, browser] = await Promise.all([startZonal({ ephemeral: true }), launchChromium()]);
    root = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 800 } });
    page = await root.newPage();
    // A console error would be a failure nobody sees: collect them and fail on any.
    page.on('pageerror', (err) => assert.fail(`page error: ${err.message}`));
  });

  after(async () => {
    await browser?.close();
    await zonal?.stop();
  });

  test('the console is served with a strict CSP and no inline script', async () => {
    const res = await fetch(`${zonal.endpoint}/console/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy') ?? '', /^default-src 'self'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const html = await res.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'every script comes from a file');
    const js = await fetch(`${zonal.endpoint}/console/js/app.js`);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    const missing = await fetch(`${zonal.endpoint}/console/js/..%2F..%2Fpackage.json`);
    assert.equal(missing.status, 404);
  });

  test('sign in as root', async () => {
    await page.goto(`${zonal.endpoint}/console/`);
    await page.fill('#access-key-id', zonal.credentials.accessKeyId);
    await shot(page, 'sign-in');
    await page.fill('#secret-access-key', zonal.credentials.secretAccessKey);
    await page.click('#sign-in');
    await page.waitForSelector('#signed-in-as');
    assert.equal(await page.textContent('#signed-in-as'), `arn:aws:iam::${zonal.accountId}:root`);
    // The secret stays in this tab's session storage; it is not a cookie.
    assert.deepEqual(await root.cookies(), []);
  });

  test('a wrong secret is refused with the S3 error shown', async () => {
    const other = await browser.newPage();
    await signIn(other, { accessKeyId: zonal.credentials.accessKeyId, secretAccessKey: 'wrong' });
    await other.waitForSelector('.error');
    assert.equal(await other.getAttribute('.error', 'data-code'), 'SignatureDoesNotMatch');
    await other.close();
  });

  test('create a directory bucket', async () => {
    await page.waitForSelector('#bucket-base');
    await page.fill('#bucket-base', 'photos');
    await page.fill('#bucket-zone', 'use1-az4');
    await page.click('#create-bucket');
    await page.waitForSelector(`tr[data-bucket="${BUCKET}"]`);
    // A bad name shows the server's error code.
    await page.fill('#bucket-base', 'Bad_Name');
    await page.evaluate(() => document.getElementById('bucket-base')!.removeAttribute('pattern'));
    await page.click('#create-bucket');
    await page.waitForSelector('#bucket-status .error');
    assert.equal(await page.getAttribute('#bucket-status .error', 'data-code'), 'InvalidBucketName');
    await page.fill('#bucket-base', '');
    await shot(page, 'buckets');
  });

  test('bucket settings: policy, encryption and lifecycle', async () => {
    await go(page, `#/bucket?name=${BUCKET}`);
    await page.waitForSelector('#lifecycle-status');
    await page.waitForSelector('#encryption-document');
    await page.waitForFunction(() =>
      document.getElementById('encryption-document')?.value.includes('AES256'),
    );
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OwnAccount',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${zonal.accountId}:root` },
          Action: 's3express:CreateSession',
          Resource: `arn:aws:s3express:${zonal.region}:${zonal.accountId}:bucket/${BUCKET}`,
        },
      ],
    };
    await page.fill('#policy-document', JSON.stringify(policy));
    await page.click('#policy-save');
    await page.waitForSelector('#policy-status .ok');
    // A broken policy: the server's error code and message are shown.
    await page.fill('#policy-document', '{"Version": "2012-10-17", "Statement": []');
    await page.click('#policy-save');
    await page.waitForSelector('#policy-status .error');
    assert.equal(await page.getAttribute('#policy-status .error', 'data-code'), 'MalformedPolicy');
    assert.ok(((await page.textContent('#policy-status .error-message')) ?? '').length > 0);
    await page.fill(
      '#lifecycle-document',
      '<LifecycleConfiguration><Rule><ID>expire-tmp</ID><Filter><Prefix>tmp/</Prefix></Filter>' +
        '<Status>Enabled</Status><Expiration><Days>7</Days></Expiration></Rule></LifecycleConfiguration>',
    );
    await page.click('#lifecycle-save');
    await page.waitForSelector('#lifecycle-status .ok');
    await page.reload();
    await page.waitForFunction(() =>
      document.getElementById('policy-document')?.value.includes('OwnAccount'),
    );
    await page.waitForFunction(() =>
      document.getElementById('lifecycle-document')?.value.includes('expire-tmp'),
    );
    await shot(page, 'bucket-settings');
  });

  test('upload by drag and drop and by file picker (multipart, progress bar), browse, download', async () => {
    await go(page, `#/objects?bucket=${BUCKET}`);
    await page.waitForSelector('#drop-zone');
    await page.fill('#folder-name', 'docs');
    await page.click('#open-folder');
    await page.waitForFunction(() => location.hash.includes('prefix=docs%2F'));
    await page.waitForSelector('#object-list .muted');

    // Drag and drop: a DataTransfer holding a file, dropped on the zone.
    const transfer = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['dropped by hand\n'], 'note.txt', { type: 'text/plain' }));
      return dt;
    });
    await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer: transfer });
    await page.waitForSelector('tr.object[data-key="docs/note.txt"]');

    await page.setInputFiles('#file-input', {
      name: 'big.bin',
      mimeType: 'application/octet-stream',
      buffer: BIG,
    });
    const bar = page.locator('.upload[data-key="docs/big.bin"] progress');
    await bar.waitFor({ state: 'visible' });
    await page.waitForSelector('.upload.done[data-key="docs/big.bin"]', { timeout: 60_000 });
    assert.equal(
      await bar.evaluate((el: PageElement) => [el.value, el.max].join('/')),
      `${BIG.length}/${BIG.length}`,
    );
    await page.waitForSelector('tr.object[data-key="docs/big.bin"]');
    await shot(page, 'objects');

    // Browse: from the bucket's top into the folder.
    await page.click('#breadcrumbs a >> nth=0');
    await page.click('tr.folder[data-prefix="docs/"] a');
    const row = page.locator('tr.object[data-key="docs/big.bin"]');
    await row.waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.locator('button.download').click(),
    ]);
    assert.equal(download.suggestedFilename(), 'big.bin');
    const saved = await download.path();
    assert.ok(saved);
    assert.ok(BIG.equals(fs.readFileSync(saved)), 'the download is byte-identical to the upload');

    // Metadata and checksums.
    await row.locator('button.info').click();
    await page.waitForSelector('#object-details tr[data-header="content-length"]');
    assert.equal(
      await page.textContent('#object-details tr[data-header="content-length"] td'),
      String(BIG.length),
    );

    await page.locator('tr.object[data-key="docs/note.txt"] button.info').click();
    await page.waitForSelector('#object-details tr[data-header="x-amz-checksum-crc32"]');
    assert.equal(await page.textContent('#object-details tr[data-header="content-type"] td'), 'text/plain');

    // Rename, then delete.
    page.once('dialog', (d) => void d.accept('docs/renamed.txt'));
    await page.locator('tr.object[data-key="docs/note.txt"] button.rename').click();
    await page.waitForSelector('tr.object[data-key="docs/renamed.txt"]');
    page.once('dialog', (d) => void d.accept());
    await page.locator('tr.object[data-key="docs/renamed.txt"] button.delete').click();
    await page.waitForSelector('tr.object[data-key="docs/renamed.txt"]', { state: 'detached' });
  });

  test('create a ReadOnly session: credentials, export snippet, countdown', async () => {
    await go(page, '#/sessions');
    await page.waitForSelector(`#session-buckets option[value="${BUCKET}"]`, { state: 'attached' });
    assert.equal(await page.inputValue('#session-bucket'), BUCKET);
    await page.selectOption('#session-mode', 'ReadOnly');
    await page.click('#create-session');
    const card = page.locator('.session[data-mode="ReadOnly"]');
    await card.waitFor();
    const snippet = (await card.locator('.export-snippet').textContent()) ?? '';
    assert.match(
      snippet,
      /^export AWS_ACCESS_KEY_ID='[^']+'\nexport AWS_SECRET_ACCESS_KEY='[^']+'\nexport AWS_SESSION_TOKEN='[^']+'$/,
    );
    const first = await card.locator('.countdown').textContent();
    assert.match(first ?? '', /^expires in [45]:\d\d$/);
    await page.waitForFunction(
      (before) => document.querySelector('.countdown')?.textContent !== before,
      first,
    );
    await shot(page, 'sessions');
  });

  test('identities: a user, a key, an inline policy, and a denied request explained', async () => {
    await go(page, '#/identities');
    await page.waitForSelector('#new-user-name');
    for (const name of ['reader', 'nobody']) {
      await page.fill('#new-user-name', name);
      await page.click('#create-user');
      await page.waitForSelector(`#user-list tr[data-user="${name}"]`);
    }
    await page.click('#user-list tr[data-user="nobody"] .user-link');
    await page.waitForSelector('#user-panel section[data-user="nobody"]');
    await page.click('#create-access-key');
    await page.waitForSelector('.new-key-secret');
    nobody = {
      accessKeyId: (await page.textContent('.new-key-id'))!,
      secretAccessKey: (await page.textContent('.new-key-secret'))!,
    };

    await page.click('#user-list tr[data-user="reader"] .user-link');
    await page.waitForSelector('#user-panel section[data-user="reader"]');
    await page.fill('#policy-name', 'NoWrites');
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Sessions', Effect: 'Allow', Action: 's3express:CreateSession', Resource: '*' },
        {
          Sid: 'NoReadWrite',
          Effect: 'Deny',
          Action: 's3express:CreateSession',
          Resource: '*',
          Condition: { StringEquals: { 's3express:SessionMode': 'ReadWrite' } },
        },
      ],
    };
    await page.fill('#policy-document', JSON.stringify(policy, null, 2));
    await page.click('#save-policy');
    await page.waitForSelector('#inline-policies .policy[data-policy="NoWrites"]');

    // The denied request itself: reader, signed in elsewhere, asks for a ReadWrite session.
    await page.click('#create-access-key');
    await page.waitForSelector('.new-key-secret');
    const readerKeys = {
      accessKeyId: (await page.textContent('.new-key-id'))!,
      secretAccessKey: (await page.textContent('.new-key-secret'))!,
    };
    const readerContext = await browser.newContext();
    const readerPage = await readerContext.newPage();
    await signIn(readerPage, readerKeys);
    await readerPage.waitForSelector('#signed-in-as');
    await go(readerPage, '#/sessions');
    await readerPage.waitForSelector('#create-session');
    await readerPage.waitForSelector('#session-bucket-status .error'); // reader may not list buckets
    await readerPage.fill('#session-bucket', BUCKET);
    await readerPage.selectOption('#session-mode', 'ReadWrite');
    await readerPage.click('#create-session');
    await readerPage.waitForSelector('#session-status .error');
    assert.equal(await readerPage.getAttribute('#session-status .error', 'data-code'), 'AccessDenied');
    await readerPage.selectOption('#session-mode', 'ReadOnly');
    await readerPage.click('#create-session');
    await readerPage.waitForSelector('.session[data-mode="ReadOnly"]');
    await readerContext.close();

    // Why was it denied?
    await page.fill('#explain-principal', `arn:aws:iam::${zonal.accountId}:user/reader`);
    await page.selectOption('#explain-bucket', BUCKET);
    await page.selectOption('#explain-mode', 'ReadWrite');
    await page.click('#explain-submit');
    const verdict = page.locator('#explain-result .explanation');
    await verdict.waitFor();
    assert.equal(await verdict.getAttribute('data-decision'), 'DENY');
    assert.match(
      (await verdict.locator('.matched').textContent()) ?? '',
      /Deny — .*NoWrites.*\(Sid "NoReadWrite"\)/,
    );
    await shot(page, 'identities');
  });

  test('live metrics: the chart changes after traffic', async () => {
    await go(page, '#/metrics');
    await page.waitForSelector('#total-requests');
    const puts = async () =>
      Number(
        (await page
          .locator('tr[data-op="PutObject"]')
          .getAttribute('data-requests', { timeout: 100 })
          .catch(() => null)) ?? 0,
      );
    const before = await puts();
    for (let i = 0; i < 30; i += 1) {
      await zonal.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `traffic/${i}`, Body: `object ${i}` }));
    }
    await page.waitForFunction(
      (n) => Number(document.querySelector('tr[data-op="PutObject"]')?.getAttribute('data-requests')) >= n,
      before + 30,
    );
    await page.waitForFunction(() => {
      const chart = document.getElementById('rate-chart');
      return chart?.dataset.series?.split(',').includes('PutObject') && Number(chart.dataset.max) > 0;
    });
    assert.ok(Number(await page.getAttribute('#sessions-created', 'data-value')) >= 1);
    // More points, so that the screenshot shows lines (only when screenshots are kept).
    await page.waitForTimeout(process.env.ZONAL_SCREENSHOTS === '1' ? 6000 : 0);
    await shot(page, 'metrics');
  });

  test('a user without permissions sees AccessDenied, not a broken page', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 600 } });
    const p = await context.newPage();
    p.on('pageerror', (err) => assert.fail(`page error: ${err.message}`));
    await signIn(p, nobody);
    await p.waitForSelector('#signed-in-as');
    assert.equal(await p.textContent('#signed-in-as'), `arn:aws:iam::${zonal.accountId}:user/nobody`);
    await p.waitForSelector('#bucket-list .error');
    assert.equal(await p.getAttribute('#bucket-list .error', 'data-code'), 'AccessDenied');
    assert.ok(
      ((await p.textContent('#bucket-list .error-message')) ?? '').length > 0,
      'the message is shown',
    );
    await shot(p, 'access-denied');
    await go(p, '#/metrics');
    await p.waitForSelector('#metrics-status .error');
    assert.equal(await p.getAttribute('#metrics-status .error', 'data-code'), 'AccessDenied');
    await go(p, `#/objects?bucket=${BUCKET}`);
    await p.waitForSelector('#object-list .error');
    assert.equal(await p.getAttribute('#object-list .error', 'data-code'), 'AccessDenied');
    await context.close();
  });
});
