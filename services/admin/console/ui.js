// DOM helpers: elements built with textContent only (never HTML from data),
// notices, field errors placed next to the field that a JSON path names.

export const $ = (id) => document.getElementById(id);

// el('td', {class: 'x', dataset: {id: '1'}}, 'text', child, ...)
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') {
      for (const [name, v] of Object.entries(value)) if (v !== undefined && v !== null) node.dataset[name] = v;
    }
    else if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2), value);
    } else if (value === true) node.setAttribute(key, '');
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

let noticeTimer = 0;
export function notice(text, kind = 'ok') {
  const box = $('notice');
  box.textContent = text;
  box.className = kind === 'error' ? 'notice error' : 'notice';
  box.hidden = false;
  clearTimeout(noticeTimer);
  if (kind !== 'error') noticeTimer = setTimeout(() => { box.hidden = true; }, 8000);
}

export function clearNotice() {
  $('notice').hidden = true;
}

export function setStatus(node, text, kind = '') {
  node.textContent = text;
  node.className = kind ? `status ${kind}` : 'status';
}

const timeFormat = new Intl.DateTimeFormat('ja-JP', {
  timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit',
});

export function formatTime(ms) {
  if (!ms) return '';
  return timeFormat.format(new Date(ms));
}

// Does the JSON path `field` name `path` or something inside it?
// ("schedule.time" is inside "schedule"; "a.words[2]" inside "a.words").
export function pathWithin(field, path) {
  if (field === path) return true;
  if (!field.startsWith(path)) return false;
  const next = field.charAt(path.length);
  return next === '.' || next === '[';
}

export function clearFieldErrors(root) {
  for (const node of root.querySelectorAll('.field-error')) node.remove();
  for (const node of root.querySelectorAll('.invalid')) node.classList.remove('invalid');
}

export function markInvalid(container, message) {
  container.classList.add('invalid');
  container.append(el('p', { class: 'field-error', role: 'alert' }, message));
}

// Places each {field, message} next to the [data-field] element whose path is
// the longest one containing it; returns the errors that matched no element.
export function showFieldErrors(root, errors, prefix = '') {
  const containers = [...root.querySelectorAll('[data-field]')];
  const unplaced = [];
  for (const error of errors) {
    const field = prefix && error.field.startsWith(prefix) ? error.field.slice(prefix.length)
      : error.field;
    let best = null;
    for (const node of containers) {
      const path = node.dataset.field;
      if (pathWithin(field, path) && (!best || path.length > best.dataset.field.length)) best = node;
    }
    if (best) markInvalid(best, error.message);
    else unplaced.push(error);
  }
  return unplaced;
}

// The errors box of a section: a message and, optionally, a list and a button.
export function showErrors(box, message, errors = [], action = null) {
  box.replaceChildren(el('p', {}, message));
  if (errors.length) {
    box.append(el('ul', {}, errors.map((e) => el('li', {}, `${e.message} (${e.field})`))));
  }
  if (action) {
    box.append(el('button', { type: 'button', class: 'secondary small', onclick: action.run },
      action.label));
  }
  box.hidden = false;
}

export function hideErrors(box) {
  box.hidden = true;
  box.replaceChildren();
}

// Runs `task` with the button disabled and its label replaced meanwhile.
export async function busy(button, label, task) {
  const original = button.textContent;
  button.disabled = true;
  button.textContent = label;
  try {
    return await task();
  } finally {
    button.disabled = false;
    button.textContent = original;
  }
}
