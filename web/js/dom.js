// A tiny element builder: no HTML strings are ever parsed, so names and keys from the server
// cannot inject markup.

/** h('button', { class: 'x', onclick }, 'text', child…) */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = value;
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name === 'value') el.value = value;
    else el.setAttribute(name, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = -1;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** An error box showing an API error's code and message (or any error's message). */
export function errorBox(err) {
  const code = err.code ?? 'Error';
  return h(
    'div',
    { class: 'error', role: 'alert', dataset: { code } },
    h('strong', { class: 'error-code' }, code),
    ': ',
    h('span', { class: 'error-message' }, err.message || '(no message)'),
    err.status
      ? h(
          'span',
          { class: 'muted' },
          ` (HTTP ${err.status}${err.requestId ? `, request ${err.requestId}` : ''})`,
        )
      : null,
  );
}
