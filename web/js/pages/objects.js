// Objects of a bucket, one directory (prefix) at a time: upload by drag and drop or file picker
// (one PUT up to PART_SIZE, multipart above it, with a progress bar), download, delete, rename,
// and each object's metadata and checksums.
import { request, requestWithProgress, s3Xml, textOf } from '../api.js';
import { clear, errorBox, formatBytes, h } from '../dom.js';
import { current } from '../page-state.js';

/** Files above this size go up in parts of this size (S3's minimum part is 5 MiB). */
export const PART_SIZE = 8 * 1024 * 1024;

const objectPath = (bucket, key) => `/${bucket}/${key}`;

async function listDirectory(bucket, prefix) {
  const folders = [];
  const files = [];
  let token;
  do {
    const q = [
      ['list-type', '2'],
      ['delimiter', '/'],
      ['prefix', prefix],
    ];
    if (token) q.push(['continuation-token', token]);
    const doc = await s3Xml({ path: `/${bucket}`, query: q });
    for (const p of doc.getElementsByTagName('CommonPrefixes')) folders.push(textOf(p, 'Prefix'));
    for (const c of doc.getElementsByTagName('Contents')) {
      files.push({
        key: textOf(c, 'Key'),
        size: Number(textOf(c, 'Size')),
        modified: textOf(c, 'LastModified'),
      });
    }
    token = textOf(doc, 'IsTruncated') === 'true' ? textOf(doc, 'NextContinuationToken') : undefined;
  } while (token && files.length + folders.length < 10000);
  return { folders, files };
}

/** Uploads one file to `key`: one PUT, or a multipart upload above PART_SIZE. */
async function uploadFile(bucket, key, file, onProgress) {
  const headers = { 'content-type': file.type || 'application/octet-stream' };
  if (file.size <= PART_SIZE) {
    await requestWithProgress({
      method: 'PUT',
      path: objectPath(bucket, key),
      headers,
      body: file,
      onProgress,
    });
    return;
  }
  const started = await s3Xml({
    method: 'POST',
    path: objectPath(bucket, key),
    query: [['uploads', '']],
    headers,
  });
  const uploadId = textOf(started, 'UploadId');
  const parts = [];
  try {
    for (let offset = 0, number = 1; offset < file.size; offset += PART_SIZE, number += 1) {
      const body = file.slice(offset, offset + PART_SIZE);
      const answer = await requestWithProgress({
        method: 'PUT',
        path: objectPath(bucket, key),
        query: [
          ['partNumber', String(number)],
          ['uploadId', uploadId],
        ],
        body,
        onProgress: (loaded) => onProgress(offset + loaded, file.size),
      });
      parts.push(`<Part><PartNumber>${number}</PartNumber><ETag>${answer.header('etag')}</ETag></Part>`);
    }
    await request({
      method: 'POST',
      path: objectPath(bucket, key),
      query: [['uploadId', uploadId]],
      headers: { 'content-type': 'application/xml' },
      body: `<CompleteMultipartUpload>${parts.join('')}</CompleteMultipartUpload>`,
    });
  } catch (err) {
    // Leave no parts behind; the original error is what the user needs to see.
    await request({ method: 'DELETE', path: objectPath(bucket, key), query: [['uploadId', uploadId]] }).catch(
      () => undefined,
    );
    throw err;
  }
}

async function download(bucket, key) {
  const res = await request({ path: objectPath(bucket, key) });
  const url = URL.createObjectURL(await res.blob());
  const a = h('a', { href: url, download: key.split('/').pop() || 'download' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

async function details(bucket, key) {
  const res = await request({
    method: 'HEAD',
    path: objectPath(bucket, key),
    headers: { 'x-amz-checksum-mode': 'ENABLED' },
  });
  const rows = [];
  for (const [name, value] of res.headers) {
    if (
      name.startsWith('x-amz-meta-') ||
      name.startsWith('x-amz-checksum-') ||
      [
        'content-type',
        'content-length',
        'etag',
        'last-modified',
        'x-amz-server-side-encryption',
        'x-amz-storage-class',
      ].includes(name)
    ) {
      rows.push(h('tr', { dataset: { header: name } }, h('th', {}, name), h('td', {}, value)));
    }
  }
  rows.sort((a, b) => a.dataset.header.localeCompare(b.dataset.header));
  return h('table', { class: 'details' }, h('tbody', {}, rows));
}

export async function renderObjects(main, params, gen) {
  const bucket = params.get('bucket') ?? '';
  const prefix = params.get('prefix') ?? '';
  const here = (p) => `#/objects?bucket=${encodeURIComponent(bucket)}&prefix=${encodeURIComponent(p)}`;
  const crumbs = [h('a', { href: here('') }, bucket)];
  let path = '';
  for (const part of prefix.split('/').filter(Boolean)) {
    path += `${part}/`;
    crumbs.push(' / ', h('a', { href: here(path) }, part));
  }
  const status = h('div', { id: 'object-status' });
  const uploads = h('div', { id: 'uploads' });
  const listing = h('div', { id: 'object-list' });
  const panel = h('div', { id: 'object-details' });
  const fileInput = h('input', { type: 'file', id: 'file-input', multiple: true });
  const folderName = h('input', { id: 'folder-name', placeholder: 'folder name' });

  const startUploads = async (files) => {
    for (const file of files) {
      const key = prefix + file.name;
      const bar = h('progress', { max: String(file.size || 1), value: '0', class: 'upload-progress' });
      const label = h('span', { class: 'upload-state' }, 'uploading…');
      const row = h('div', { class: 'upload', dataset: { key } }, h('span', {}, key), bar, label);
      uploads.append(row);
      try {
        await uploadFile(bucket, key, file, (loaded, total) => {
          bar.max = total || 1;
          bar.value = loaded;
          label.textContent = `${Math.floor((100 * loaded) / (total || 1))}%`;
        });
        bar.value = bar.max;
        label.textContent = `uploaded ${formatBytes(file.size)}`;
        row.classList.add('done');
      } catch (err) {
        label.textContent = 'failed';
        row.append(errorBox(err));
      }
    }
    await refresh();
  };
  fileInput.addEventListener('change', () => void startUploads(Array.from(fileInput.files ?? [])));
  const dropZone = h(
    'div',
    {
      class: 'drop-zone',
      id: 'drop-zone',
      ondragover: (e) => {
        e.preventDefault();
        dropZone.classList.add('over');
      },
      ondragleave: () => dropZone.classList.remove('over'),
      ondrop: (e) => {
        e.preventDefault();
        dropZone.classList.remove('over');
        void startUploads(Array.from(e.dataTransfer?.files ?? []));
      },
    },
    'Drop files here to upload them into ',
    h('code', {}, prefix || '/'),
    ', or ',
    h('label', { class: 'file-button' }, 'choose files', fileInput),
  );
  clear(
    main,
    h(
      'p',
      {},
      h('a', { href: '#/buckets' }, '← Buckets'),
      ' · ',
      h('a', { href: `#/bucket?name=${encodeURIComponent(bucket)}` }, 'Settings'),
    ),
    h('h1', { id: 'breadcrumbs' }, crumbs),
    dropZone,
    h(
      'form',
      {
        class: 'inline',
        onsubmit: (e) => {
          e.preventDefault();
          const name = folderName.value.trim().replace(/\/+$/, '');
          if (name) location.hash = here(`${prefix}${name}/`);
        },
      },
      h('label', {}, 'Open or start a folder', folderName),
      h('button', { type: 'submit', id: 'open-folder' }, 'Open'),
    ),
    uploads,
    status,
    listing,
    panel,
  );

  const act = async (what, fn) => {
    clear(status);
    try {
      await fn();
    } catch (err) {
      clear(status, errorBox(err));
      return;
    }
    if (what) clear(status, h('p', { class: 'ok' }, what));
  };

  async function refresh() {
    let dir;
    try {
      dir = await listDirectory(bucket, prefix);
    } catch (err) {
      if (current(gen)) clear(listing, errorBox(err));
      return;
    }
    if (!current(gen)) return;
    if (dir.folders.length === 0 && dir.files.length === 0) {
      return clear(listing, h('p', { class: 'muted' }, 'Nothing here yet.'));
    }
    const folderRows = dir.folders.map((p) =>
      h(
        'tr',
        { class: 'folder', dataset: { prefix: p } },
        h('td', {}, h('a', { href: here(p), class: 'folder-link' }, `${p.slice(prefix.length)}`)),
        h('td', {}, '—'),
        h('td', {}, ''),
        h('td', {}, ''),
      ),
    );
    const fileRows = dir.files.map((f) => {
      const name = f.key.slice(prefix.length);
      return h(
        'tr',
        { class: 'object', dataset: { key: f.key } },
        h('td', {}, name),
        h('td', {}, formatBytes(f.size)),
        h('td', {}, f.modified),
        h(
          'td',
          { class: 'actions' },
          h(
            'button',
            { class: 'download', onclick: () => act(undefined, () => download(bucket, f.key)) },
            'Download',
          ),
          h(
            'button',
            {
              class: 'info',
              onclick: () =>
                act(undefined, async () => clear(panel, h('h2', {}, f.key), await details(bucket, f.key))),
            },
            'Details',
          ),
          h(
            'button',
            {
              class: 'rename',
              onclick: () => {
                const to = prompt('Rename to (full key)', f.key);
                if (!to || to === f.key) return;
                void act(`Renamed to ${to}.`, async () => {
                  await request({
                    method: 'PUT',
                    path: objectPath(bucket, to),
                    query: [['renameObject', '']],
                    headers: {
                      'x-amz-rename-source': `/${bucket}/${f.key.split('/').map(encodeURIComponent).join('/')}`,
                    },
                  });
                  await refresh();
                });
              },
            },
            'Rename',
          ),
          h(
            'button',
            {
              class: 'danger delete',
              onclick: () => {
                if (!confirm(`Delete ${f.key}?`)) return;
                void act(`Deleted ${f.key}.`, async () => {
                  await request({ method: 'DELETE', path: objectPath(bucket, f.key) });
                  await refresh();
                });
              },
            },
            'Delete',
          ),
        ),
      );
    });
    clear(
      listing,
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'Name'),
            h('th', {}, 'Size'),
            h('th', {}, 'Last modified'),
            h('th', {}, ''),
          ),
        ),
        h('tbody', {}, folderRows, fileRows),
      ),
    );
  }
  await refresh();
}
