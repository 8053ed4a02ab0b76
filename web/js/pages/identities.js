// IAM users of the signed-in account: create and delete users, their access keys and inline
// policies (the IAM Query API), and the simulator that explains why a request is allowed or
// denied, with the policy statements that decided (`POST /_zonal/explain`, root only).
import { admin, query, textOf } from '../api.js';
import { clear, errorBox, h } from '../dom.js';
import { current } from '../page-state.js';
import { listBuckets } from './buckets.js';

const members = (doc, listName) => {
  const list = doc.getElementsByTagName(listName)[0];
  return list ? Array.from(list.children).filter((c) => c.localName === 'member') : [];
};

export async function renderIdentities(main, params, gen) {
  const status = h('div', { id: 'identity-status' });
  const users = h('div', { id: 'user-list' });
  const userPanel = h('div', { id: 'user-panel' });
  const newUser = h('input', { id: 'new-user-name', placeholder: 'user name', required: true });
  clear(
    main,
    h('h1', {}, 'Identities'),
    h(
      'form',
      {
        class: 'inline',
        onsubmit: async (e) => {
          e.preventDefault();
          clear(status);
          try {
            await query('iam', 'CreateUser', { UserName: newUser.value.trim() });
            clear(status, h('p', { class: 'ok' }, `Created user ${newUser.value.trim()}.`));
            newUser.value = '';
            await refresh();
          } catch (err) {
            clear(status, errorBox(err));
          }
        },
      },
      h('label', {}, 'New IAM user', newUser),
      h('button', { type: 'submit', id: 'create-user' }, 'Create user'),
    ),
    status,
    users,
    userPanel,
    await explainSection(),
  );

  async function refresh() {
    let doc;
    try {
      doc = await query('iam', 'ListUsers');
    } catch (err) {
      if (current(gen)) clear(users, errorBox(err));
      return;
    }
    if (!current(gen)) return;
    const rows = members(doc, 'Users').map((u) => {
      const name = textOf(u, 'UserName');
      return h(
        'tr',
        { dataset: { user: name } },
        h('td', {}, h('button', { class: 'link user-link', onclick: () => void showUser(name) }, name)),
        h('td', {}, textOf(u, 'Arn')),
        h('td', {}, textOf(u, 'CreateDate')),
        h(
          'td',
          {},
          h(
            'button',
            {
              class: 'danger',
              onclick: async () => {
                if (!confirm(`Delete user ${name}? Its keys and policies must be deleted first.`)) return;
                try {
                  await query('iam', 'DeleteUser', { UserName: name });
                  clear(userPanel);
                  await refresh();
                } catch (err) {
                  clear(status, errorBox(err));
                }
              },
            },
            'Delete',
          ),
        ),
      );
    });
    clear(
      users,
      rows.length === 0
        ? h('p', { class: 'muted' }, 'No IAM users.')
        : h(
            'table',
            {},
            h(
              'thead',
              {},
              h('tr', {}, h('th', {}, 'User'), h('th', {}, 'ARN'), h('th', {}, 'Created'), h('th', {}, '')),
            ),
            h('tbody', {}, rows),
          ),
    );
  }

  async function showUser(name) {
    const keyStatus = h('div');
    const keys = h('div', { id: 'access-keys' });
    const policies = h('div', { id: 'inline-policies' });
    const policyName = h('input', { id: 'policy-name', placeholder: 'policy name', required: true });
    const policyDoc = h('textarea', { id: 'policy-document', rows: 10, spellcheck: 'false' });
    policyDoc.value = JSON.stringify(
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3express:CreateSession', Resource: '*' }],
      },
      null,
      2,
    );
    const policyStatus = h('div', { id: 'policy-status' });

    const loadKeys = async () => {
      try {
        const doc = await query('iam', 'ListAccessKeys', { UserName: name });
        clear(
          keys,
          members(doc, 'AccessKeyMetadata').map((k) => {
            const id = textOf(k, 'AccessKeyId');
            return h(
              'div',
              { class: 'key', dataset: { keyId: id } },
              h('code', {}, id),
              ` ${textOf(k, 'Status')} `,
              h(
                'button',
                {
                  class: 'danger',
                  onclick: async () => {
                    try {
                      await query('iam', 'DeleteAccessKey', { UserName: name, AccessKeyId: id });
                      await loadKeys();
                    } catch (err) {
                      clear(keyStatus, errorBox(err));
                    }
                  },
                },
                'Delete',
              ),
            );
          }),
        );
      } catch (err) {
        clear(keys, errorBox(err));
      }
    };
    const loadPolicies = async () => {
      try {
        const doc = await query('iam', 'ListUserPolicies', { UserName: name });
        const names = members(doc, 'PolicyNames').map((m) => m.textContent);
        clear(
          policies,
          names.length === 0
            ? h('p', { class: 'muted' }, 'No inline policies.')
            : names.map((p) =>
                h(
                  'div',
                  { class: 'policy', dataset: { policy: p } },
                  h(
                    'button',
                    {
                      class: 'link',
                      onclick: async () => {
                        try {
                          const got = await query('iam', 'GetUserPolicy', { UserName: name, PolicyName: p });
                          policyName.value = p;
                          policyDoc.value = JSON.stringify(
                            JSON.parse(decodeURIComponent(textOf(got, 'PolicyDocument'))),
                            null,
                            2,
                          );
                        } catch (err) {
                          clear(policyStatus, errorBox(err));
                        }
                      },
                    },
                    p,
                  ),
                  ' ',
                  h(
                    'button',
                    {
                      class: 'danger',
                      onclick: async () => {
                        try {
                          await query('iam', 'DeleteUserPolicy', { UserName: name, PolicyName: p });
                          await loadPolicies();
                        } catch (err) {
                          clear(policyStatus, errorBox(err));
                        }
                      },
                    },
                    'Delete',
                  ),
                ),
              ),
        );
      } catch (err) {
        clear(policies, errorBox(err));
      }
    };
    clear(
      userPanel,
      h(
        'section',
        { class: 'card', dataset: { user: name } },
        h('h2', {}, `User ${name}`),
        h('h3', {}, 'Access keys'),
        keys,
        h(
          'button',
          {
            id: 'create-access-key',
            onclick: async () => {
              clear(keyStatus);
              try {
                const doc = await query('iam', 'CreateAccessKey', { UserName: name });
                clear(
                  keyStatus,
                  h(
                    'div',
                    { class: 'ok new-key' },
                    'New key — the secret is shown only now: ',
                    h('code', { class: 'new-key-id' }, textOf(doc, 'AccessKeyId')),
                    ' ',
                    h('code', { class: 'new-key-secret' }, textOf(doc, 'SecretAccessKey')),
                  ),
                );
                await loadKeys();
              } catch (err) {
                clear(keyStatus, errorBox(err));
              }
            },
          },
          'Create access key',
        ),
        keyStatus,
        h('h3', {}, 'Inline policies'),
        policies,
        h('label', {}, 'Policy name', policyName),
        policyDoc,
        h(
          'div',
          { class: 'buttons' },
          h(
            'button',
            {
              id: 'save-policy',
              onclick: async () => {
                clear(policyStatus);
                try {
                  await query('iam', 'PutUserPolicy', {
                    UserName: name,
                    PolicyName: policyName.value.trim(),
                    PolicyDocument: policyDoc.value,
                  });
                  clear(policyStatus, h('p', { class: 'ok' }, `Saved policy ${policyName.value.trim()}.`));
                  await loadPolicies();
                } catch (err) {
                  clear(policyStatus, errorBox(err));
                }
              },
            },
            'Save policy',
          ),
        ),
        policyStatus,
      ),
    );
    await Promise.all([loadKeys(), loadPolicies()]);
  }

  await refresh();
  const wanted = params.get('user');
  if (wanted) await showUser(wanted);
}

/** The simulator: would this principal be allowed this action on this bucket, and why. */
async function explainSection() {
  const principal = h('input', {
    id: 'explain-principal',
    placeholder: 'arn:aws:iam::<account>:user/<name> or an access key id',
    required: true,
  });
  const bucket = h('select', { id: 'explain-bucket' });
  const action = h('input', { id: 'explain-action', value: 's3express:CreateSession', required: true });
  const mode = h(
    'select',
    { id: 'explain-mode' },
    h('option', { value: '' }, 'ReadWrite, then ReadOnly'),
    h('option', { value: 'ReadWrite' }, 'ReadWrite'),
    h('option', { value: 'ReadOnly' }, 'ReadOnly'),
  );
  const result = h('div', { id: 'explain-result' });
  try {
    clear(
      bucket,
      (await listBuckets()).map((b) => h('option', { value: b.name }, b.name)),
    );
  } catch (err) {
    result.append(errorBox(err));
  }
  return h(
    'section',
    { class: 'card', id: 'explain' },
    h('h2', {}, 'Why was this denied? (explain)'),
    h(
      'p',
      { class: 'muted' },
      'The decision Zonal makes for a principal, an action and a bucket, and the statements that decided it (as zonal iam explain).',
    ),
    h(
      'form',
      {
        class: 'inline',
        onsubmit: async (e) => {
          e.preventDefault();
          clear(result);
          try {
            const answer = await admin('POST', 'explain', {
              principal: principal.value.trim(),
              bucket: bucket.value,
              action: action.value.trim(),
              ...(mode.value ? { mode: mode.value } : {}),
            });
            clear(result, answer.explanations.map(explanationCard));
          } catch (err) {
            clear(result, errorBox(err));
          }
        },
      },
      h('label', {}, 'Principal', principal),
      h('label', {}, 'Bucket', bucket),
      h('label', {}, 'Action', action),
      h('label', {}, 'Mode', mode),
      h('button', { type: 'submit', id: 'explain-submit' }, 'Explain'),
    ),
    result,
  );
}

function explanationCard(e) {
  const { decision } = e;
  return h(
    'div',
    {
      class: `explanation ${decision.allowed ? 'allow' : 'deny'}`,
      dataset: { decision: decision.allowed ? 'ALLOW' : 'DENY' },
    },
    h(
      'p',
      {},
      h('strong', { class: 'decision' }, decision.allowed ? 'ALLOW' : 'DENY'),
      e.mode ? ` (${e.mode})` : '',
      ' — ',
      h('span', { class: 'reason' }, decision.reason),
    ),
    h('p', { class: 'muted' }, `${e.principal} · ${e.action} · ${e.resource}`),
    decision.matched.length === 0
      ? h('p', { class: 'muted' }, 'No statement matched.')
      : h(
          'ul',
          { class: 'matched' },
          decision.matched.map((m) =>
            h(
              'li',
              { class: `statement ${m.effect.toLowerCase()}` },
              `${m.effect} — ${m.source}, statement #${m.index}`,
              m.sid ? ` (Sid "${m.sid}")` : '',
            ),
          ),
        ),
  );
}
