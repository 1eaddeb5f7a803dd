// MQTT 3.1.1 topic filters (§4.7): validation and matching, used by the message log's filter.

/** Returns null when `filter` is a valid MQTT topic filter, else a sentence naming the broken rule. */
export function filterError(filter) {
  if (typeof filter !== 'string' || filter.length === 0) return 'a topic filter must not be empty';
  if (filter.includes('\u0000')) return 'a topic filter must not contain the NUL character';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      return `"#" must be a whole level and the last one (level ${i + 1} is "${level}")`;
    }
    if (level.includes('+') && level !== '+') {
      return `"+" must be a whole level (level ${i + 1} is "${level}")`;
    }
  }
  return null;
}

/**
 * True when `topic` matches `filter`. A filter starting with a wildcard does not match topics
 * starting with "$" (§4.7.2), and "a/#" also matches "a" (§4.7.1.2). An invalid filter matches nothing.
 */
export function topicMatches(filter, topic) {
  if (filterError(filter) !== null || typeof topic !== 'string') return false;
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
