// Directory buckets: list, create (name + Availability Zone), delete; per bucket its policy,
// default encryption and lifecycle configuration.
import { ApiError, request, s3Xml, textOf } from '../api.js';
import { clear, errorBox, h } from '../dom.js';
import { current } from '../page-state.js';

const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const DIRECTORY_BUCKET = /^[a-z0-9][a-z0-9-]{1,}--[a-z0-9-]+--x-s3$/;

const escapeXml = (s) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

export async function listBuckets() {
  const doc = await s3Xml({ path: '/', query: [['x-id', 'ListDirectoryBuckets']] });
  return Array.from(doc.getElementsByTagName('Bucket'), (b) => ({
    name: textOf(b, 'Name'),
    created: textOf(b, 'CreationDate'),
  }));
}

export async function renderBuckets(main, _params, gen) {
  const status = h('div', { id: 'bucket-status' });
  const base = h('input', {
    id: 'bucket-base',
    placeholder: 'name',
    required: true,
    pattern: '[a-z0-9][a-z0-9-]*',
  });
  const zone = h('input', { id: 'bucket-zone', value: 'use1-az4', required: true, pattern: '[a-z0-9-]+' });
  const form = h(
    'form',
    {
      class: 'inline',
      onsubmit: async (e) => {
        e.preventDefault();
        const name = `${base.value.trim()}--${zone.value.trim()}--x-s3`;
        clear(status);
        try {
          await createBucket(name, zone.value.trim());
          clear(status, h('p', { class: 'ok' }, `Created ${name}.`));
          base.value = '';
          await refresh();
        } catch (err) {
          clear(status, errorBox(err));
        }
      },
    },
    h('label', {}, 'Bucket name', base),
    h('span', { class: 'muted' }, '--'),
    h('label', {}, 'Availability Zone ID', zone),
    h('span', { class: 'muted' }, '--x-s3'),
    h('button', { type: 'submit', id: 'create-bucket' }, 'Create bucket'),
  );
  const table = h('div', { id: 'bucket-list' });
  clear(main, h('h1', {}, 'Directory buckets'), form, status, table);

  async function refresh() {
    let buckets;
    try {
      buckets = await listBuckets();
    } catch (err) {
      if (current(gen)) clear(table, errorBox(err));
      return;
    }
    if (!current(gen)) return;
    if (buckets.length === 0) return clear(table, h('p', { class: 'muted' }, 'No directory buckets yet.'));
    clear(
      table,
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Created'), h('th', {}, ''))),
        h(
          'tbody',
          {},
          buckets.map((b) =>
            h(
              'tr',
              { dataset: { bucket: b.name } },
              h(
                'td',
                {},
                h(
                  'a',
                  { href: `#/objects?bucket=${encodeURIComponent(b.name)}`, class: 'bucket-link' },
                  b.name,
                ),
              ),
              h('td', {}, b.created),
              h(
                'td',
                { class: 'actions' },
                h('a', { href: `#/bucket?name=${encodeURIComponent(b.name)}` }, 'Settings'),
                h(
                  'button',
                  {
                    class: 'danger',
                    onclick: async () => {
                      if (!confirm(`Delete ${b.name}? It must be empty.`)) return;
                      try {
                        await request({ method: 'DELETE', path: `/${b.name}` });
                        clear(status, h('p', { class: 'ok' }, `Deleted ${b.name}.`));
                        await refresh();
                      } catch (err) {
                        clear(status, errorBox(err));
                      }
                    },
                  },
                  'Delete',
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }
  await refresh();
}

async function createBucket(name, zone) {
  if (!DIRECTORY_BUCKET.test(name))
    throw new ApiError(
      400,
      'InvalidBucketName',
      `${name} is not a directory bucket name (base--zone--x-s3).`,
    );
  const body =
    `<CreateBucketConfiguration xmlns="${S3_NS}"><Location><Type>AvailabilityZone</Type>` +
    `<Name>${escapeXml(zone)}</Name></Location><Bucket><DataRedundancy>SingleAvailabilityZone</DataRedundancy>` +
    '<Type>Directory</Type></Bucket></CreateBucketConfiguration>';
  await request({ method: 'PUT', path: `/${name}`, headers: { 'content-type': 'application/xml' }, body });
}

/** One bucket configuration document: shown, edited, saved, deleted. */
const CONFIGURATIONS = [
  {
    id: 'policy',
    title: 'Bucket policy (JSON)',
    subresource: 'policy',
    contentType: 'application/json',
    absent: ['NoSuchBucketPolicy'],
    pretty: (text) => JSON.stringify(JSON.parse(text), null, 2),
    deletable: true,
  },
  {
    id: 'encryption',
    title: 'Default encryption (XML)',
    subresource: 'encryption',
    contentType: 'application/xml',
    absent: ['ServerSideEncryptionConfigurationNotFoundError'],
    pretty: (text) => text,
    deletable: true,
  },
  {
    id: 'lifecycle',
    title: 'Lifecycle configuration (XML)',
    subresource: 'lifecycle',
    contentType: 'application/xml',
    absent: ['NoSuchLifecycleConfiguration'],
    pretty: (text) => text,
    deletable: true,
  },
];

export async function renderBucketSettings(main, params, gen) {
  const bucket = params.get('name') ?? '';
  clear(
    main,
    h('p', {}, h('a', { href: '#/buckets' }, '← Buckets')),
    h('h1', {}, bucket),
    h('p', {}, h('a', { href: `#/objects?bucket=${encodeURIComponent(bucket)}` }, 'Browse objects')),
  );
  for (const config of CONFIGURATIONS) {
    const editor = h('textarea', { id: `${config.id}-document`, rows: 10, spellcheck: 'false' });
    const status = h('div', { id: `${config.id}-status` });
    const load = async () => {
      clear(status);
      try {
        const res = await request({ path: `/${bucket}`, query: [[config.subresource, '']] });
        const text = await res.text();
        if (!current(gen)) return;
        editor.value = config.pretty(text);
      } catch (err) {
        if (!current(gen)) return;
        editor.value = '';
        if (config.absent.includes(err.code)) clear(status, h('p', { class: 'muted' }, 'None set.'));
        else clear(status, errorBox(err));
      }
    };
    const save = async () => {
      clear(status);
      try {
        await request({
          method: 'PUT',
          path: `/${bucket}`,
          query: [[config.subresource, '']],
          headers: { 'content-type': config.contentType },
          body: editor.value,
        });
        clear(status, h('p', { class: 'ok' }, 'Saved.'));
      } catch (err) {
        clear(status, errorBox(err));
      }
    };
    const remove = async () => {
      clear(status);
      try {
        await request({ method: 'DELETE', path: `/${bucket}`, query: [[config.subresource, '']] });
        editor.value = '';
        clear(status, h('p', { class: 'ok' }, 'Deleted.'));
      } catch (err) {
        clear(status, errorBox(err));
      }
    };
    main.append(
      h(
        'section',
        { class: 'card', id: `${config.id}-section` },
        h('h2', {}, config.title),
        editor,
        h(
          'div',
          { class: 'buttons' },
          h('button', { id: `${config.id}-save`, onclick: save }, 'Save'),
          config.deletable
            ? h('button', { class: 'danger', id: `${config.id}-delete`, onclick: remove }, 'Delete')
            : null,
          h('button', { class: 'link', onclick: load }, 'Reload'),
        ),
        status,
      ),
    );
    await load();
  }
}
