// A readable comparison of a shadow's desired and reported state: one row per leaf path.

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Leaf paths of a JSON object: {a: {b: 1}, c: [1]} -> Map {"a.b" => 1, "c" => [1]} (arrays are leaves, as AWS replaces them whole). */
export function flatten(value, prefix = '', out = new Map()) {
  if (!isObject(value)) {
    if (prefix) out.set(prefix, value);
    return out;
  }
  const keys = Object.keys(value);
  if (keys.length === 0 && prefix) out.set(prefix, {});
  for (const k of keys) flatten(value[k], prefix ? `${prefix}.${k}` : k, out);
  return out;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Rows {key, desired, reported, differs} sorted by key; a value that is absent is `undefined`.
 * `differs` follows the delta rule: the key is desired and the reported value is not the same.
 */
export function diffRows(desired, reported) {
  const d = flatten(desired ?? {});
  const r = flatten(reported ?? {});
  const keys = [...new Set([...d.keys(), ...r.keys()])].sort();
  return keys.map((key) => ({
    key,
    desired: d.get(key),
    reported: r.get(key),
    differs: d.has(key) && !(r.has(key) && same(d.get(key), r.get(key))),
  }));
}

/** A value for a table cell: JSON for values, an em dash for absent ones. */
export function cell(value) {
  return value === undefined ? '—' : JSON.stringify(value);
}
