// Small DOM and formatting helpers shared by the panels. Every string from the network goes into
// the page with textContent (el's `text`), never as HTML.

export const $ = (sel) => document.querySelector(sel);

/** Creates an element; `text` is set with textContent. */
export function el(tag, { cls, text, title, attrs } = {}, ...children) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  if (title) e.title = title;
  for (const [k, v] of Object.entries(attrs ?? {})) e.setAttribute(k, v);
  for (const c of children) if (c) e.append(c);
  return e;
}

export const clock = () => new Date().toLocaleTimeString([], { hour12: false });

export const seconds = (ms) => {
  if (ms <= 0) return 'now';
  const s = Math.ceil(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
};

/** Prepends a time-stamped line to a log list, keeping at most `max` lines. */
export function logLine(list, max, cls, ...children) {
  const li = el('li', { cls }, el('span', { cls: 'meta', text: `${clock()} ` }), ...children);
  list.prepend(li);
  while (list.children.length > max) list.lastChild.remove();
  return li;
}
