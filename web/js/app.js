// The console shell: sign-in, navigation between pages (#/page?params) and the error notice.
// Nothing here talks to the server except through api.js, signed with the user's own keys.
import { ApiError, credentials, query, saveCredentials, serverRegion, signOut, textOf } from './api.js';
import { clear, errorBox, h } from './dom.js';
import { current, nextPage } from './page-state.js';
import { renderBuckets, renderBucketSettings } from './pages/buckets.js';
import { renderObjects } from './pages/objects.js';
import { renderSessions } from './pages/sessions.js';
import { renderIdentities } from './pages/identities.js';
import { renderMetrics } from './pages/metrics.js';

const PAGES = {
  buckets: renderBuckets,
  bucket: renderBucketSettings,
  objects: renderObjects,
  sessions: renderSessions,
  identities: renderIdentities,
  metrics: renderMetrics,
};

const IDENTITY_KEY = 'zonal.console.identity';
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const notice = document.getElementById('notice');

/** Whatever a page failed to catch is shown, never swallowed. */
function showError(err) {
  clear(notice, errorBox(err instanceof Error ? err : new Error(String(err))));
}

window.addEventListener('unhandledrejection', (e) => showError(e.reason));
window.addEventListener('error', (e) => showError(e.error ?? e.message));

/** Who is signed in ({ arn, account }), or undefined. */
function identity() {
  const raw = sessionStorage.getItem(IDENTITY_KEY);
  return raw ? JSON.parse(raw) : undefined;
}

function renderSignIn(error) {
  nav.hidden = true;
  clear(who);
  const keyId = h('input', {
    id: 'access-key-id',
    name: 'accessKeyId',
    autocomplete: 'username',
    required: true,
  });
  const secret = h('input', {
    id: 'secret-access-key',
    name: 'secretAccessKey',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const status = h('div');
  if (error) status.append(errorBox(error));
  // WebCrypto (the signer) exists only in secure contexts: HTTPS, or http://localhost and 127.0.0.1.
  if (!window.isSecureContext || !crypto.subtle) {
    status.append(
      errorBox(
        new ApiError(
          0,
          'InsecureContext',
          'This page is not a secure context, so the browser cannot sign requests: open the console at ' +
            'http://127.0.0.1 or http://localhost, or start zonal serve with HTTPS (--tls-self-signed).',
        ),
      ),
    );
  }
  const form = h(
    'form',
    {
      class: 'card signin',
      onsubmit: (e) => void signIn(e, keyId.value.trim(), secret.value.trim(), status),
    },
    h('h1', {}, 'Sign in'),
    h(
      'p',
      { class: 'muted' },
      'With an access key pair (root or an IAM user). Requests are signed in this tab; the secret is kept only in ' +
        'this tab’s session storage and is never sent to the server.',
    ),
    h('label', {}, 'Access key ID', keyId),
    h('label', {}, 'Secret access key', secret),
    h('button', { type: 'submit', id: 'sign-in' }, 'Sign in'),
    status,
  );
  clear(main, form);
}

async function signIn(event, accessKeyId, secretAccessKey, status) {
  event.preventDefault();
  clear(status, h('p', { class: 'muted' }, 'Signing in…'));
  saveCredentials({ accessKeyId, secretAccessKey });
  try {
    await serverRegion();
    const doc = await query('sts', 'GetCallerIdentity');
    sessionStorage.setItem(
      IDENTITY_KEY,
      JSON.stringify({ arn: textOf(doc, 'Arn'), account: textOf(doc, 'Account') }),
    );
    if (!location.hash || location.hash === '#/') location.hash = '#/buckets';
    route();
  } catch (err) {
    signOut();
    clear(status, errorBox(err));
  }
}

/** `#/objects?bucket=b&prefix=p/` → ['objects', URLSearchParams] */
function parseHash() {
  const hash = location.hash.replace(/^#\/?/, '');
  const q = hash.indexOf('?');
  const page = (q === -1 ? hash : hash.slice(0, q)) || 'buckets';
  return [page, new URLSearchParams(q === -1 ? '' : hash.slice(q + 1))];
}

function route() {
  const gen = nextPage();
  clear(notice);
  if (!credentials() || !identity()) return renderSignIn();
  const me = identity();
  nav.hidden = false;
  clear(
    who,
    h('span', { id: 'signed-in-as', title: me.arn }, me.arn),
    ' ',
    h(
      'button',
      {
        class: 'link',
        id: 'sign-out',
        onclick: () => {
          signOut();
          sessionStorage.removeItem(IDENTITY_KEY);
          location.hash = '#/';
          route();
        },
      },
      'Sign out',
    ),
  );
  const [page, params] = parseHash();
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', a.dataset.page === page);
  const render = PAGES[page];
  if (!render)
    return clear(main, errorBox(new ApiError(404, 'NoSuchPage', `The console has no page “${page}”.`)));
  clear(main, h('p', { class: 'muted' }, 'Loading…'));
  Promise.resolve(render(main, params, gen)).catch((err) => {
    if (current(gen)) clear(main, errorBox(err));
  });
}

window.addEventListener('hashchange', route);
route();
