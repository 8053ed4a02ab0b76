// S3 Express sessions: CreateSession for a bucket in ReadWrite or ReadOnly mode, its
// credentials, an `export …` snippet for a shell, and a countdown to its expiry.
import { s3Xml, textOf } from '../api.js';
import { clear, errorBox, h } from '../dom.js';
import { listBuckets } from './buckets.js';

/** Sessions created in this tab (the server keeps no list: a session is a sealed token). */
const created = [];
let ticker;

const shellValue = (v) => `'${String(v).replace(/'/g, `'\\''`)}'`;

function countdown(expiration) {
  const ms = Date.parse(expiration) - Date.now();
  if (ms <= 0) return 'expired';
  const s = Math.ceil(ms / 1000);
  return `expires in ${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function sessionCard(s) {
  const snippet = [
    `export AWS_ACCESS_KEY_ID=${shellValue(s.accessKeyId)}`,
    `export AWS_SECRET_ACCESS_KEY=${shellValue(s.secretAccessKey)}`,
    `export AWS_SESSION_TOKEN=${shellValue(s.sessionToken)}`,
  ].join('\n');
  return h(
    'section',
    { class: 'card session', dataset: { bucket: s.bucket, mode: s.mode } },
    h('h2', {}, `${s.mode} session for ${s.bucket}`),
    h(
      'p',
      {},
      h('span', { class: 'countdown', dataset: { expiresAt: s.expiration } }, countdown(s.expiration)),
      ` (at ${s.expiration})`,
    ),
    h(
      'table',
      { class: 'details' },
      h(
        'tbody',
        {},
        h('tr', {}, h('th', {}, 'AccessKeyId'), h('td', { class: 'session-key-id' }, s.accessKeyId)),
        h('tr', {}, h('th', {}, 'SecretAccessKey'), h('td', {}, s.secretAccessKey)),
        h('tr', {}, h('th', {}, 'SessionToken'), h('td', { class: 'token' }, s.sessionToken)),
      ),
    ),
    h(
      'p',
      { class: 'muted' },
      'Send the token as x-amz-s3session-token (S3 Express), or as X-Amz-Security-Token when the server runs with --security-token-sessions:',
    ),
    h('pre', { class: 'export-snippet' }, snippet),
  );
}

export async function renderSessions(main) {
  const status = h('div', { id: 'session-status' });
  // Typed, with the listed buckets suggested: a user may create sessions without ListAllMyDirectoryBuckets.
  const bucket = h('input', {
    id: 'session-bucket',
    list: 'session-buckets',
    required: true,
    placeholder: 'bucket name',
  });
  const suggestions = h('datalist', { id: 'session-buckets' });
  const mode = h(
    'select',
    { id: 'session-mode' },
    h('option', { value: 'ReadWrite' }, 'ReadWrite'),
    h('option', { value: 'ReadOnly' }, 'ReadOnly'),
  );
  const listStatus = h('div', { id: 'session-bucket-status' });
  const list = h('div', { id: 'session-list' });
  const draw = () => clear(list, created.map(sessionCard));
  clear(
    main,
    h('h1', {}, 'Sessions'),
    h(
      'p',
      { class: 'muted' },
      'CreateSession: short-lived credentials for one directory bucket, as S3 Express clients use them.',
    ),
    h(
      'form',
      {
        class: 'inline',
        onsubmit: async (e) => {
          e.preventDefault();
          clear(status);
          try {
            const doc = await s3Xml({
              path: `/${bucket.value.trim()}`,
              query: [['session', '']],
              headers: { 'x-amz-create-session-mode': mode.value },
            });
            created.unshift({
              bucket: bucket.value.trim(),
              mode: mode.value,
              accessKeyId: textOf(doc, 'AccessKeyId'),
              secretAccessKey: textOf(doc, 'SecretAccessKey'),
              sessionToken: textOf(doc, 'SessionToken'),
              expiration: textOf(doc, 'Expiration'),
            });
            draw();
          } catch (err) {
            clear(status, errorBox(err));
          }
        },
      },
      h('label', {}, 'Bucket', bucket, suggestions),
      h('label', {}, 'Mode', mode),
      h('button', { type: 'submit', id: 'create-session' }, 'Create session'),
    ),
    listStatus,
    status,
    list,
  );
  draw();
  clearInterval(ticker);
  ticker = setInterval(() => {
    for (const el of document.querySelectorAll('.countdown'))
      el.textContent = countdown(el.dataset.expiresAt);
  }, 1000);
  try {
    const buckets = await listBuckets();
    clear(
      suggestions,
      buckets.map((b) => h('option', { value: b.name })),
    );
    if (buckets.length > 0 && !bucket.value) bucket.value = buckets[0].name;
    if (buckets.length === 0)
      clear(listStatus, h('p', { class: 'muted' }, 'Create a directory bucket first.'));
  } catch (err) {
    clear(
      listStatus,
      h('p', { class: 'muted' }, 'The bucket list is not available to you; type the bucket’s name.'),
      errorBox(err),
    );
  }
}
