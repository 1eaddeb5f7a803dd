// AWS IoT's topic rules, once for every door of the stand-in (the MQTT rule engine in
// lib/mqtt_inspect.mjs and HTTPS publish in lib/https_api.mjs):
// - the size limits of a topic name or filter ("AWS IoT Core message broker and protocol limits
//   and quotas": 256 bytes, 7 '/' with Basic Ingest's `$aws/rules/<rule>/` prefix not counted);
// - the reserved topics (developer guide, "Reserved topics"): "Topics that begin with a dollar
//   sign ($) are reserved for use by AWS IoT. You can subscribe and publish to these reserved
//   topics as they allow; however, you can't create new topics that begin with a dollar sign.
//   Unsupported publish or subscribe operations to reserved topics can result in a terminated
//   connection." The tables of that page give, per topic, the client operations allowed; they are
//   written below as templates, one level per '/'.

export const TOPIC_LIMITS = Object.freeze({ topicBytes: 256, topicSlashes: 7 });

/** Counts the '/' levels AWS counts: the `$aws/rules/<rule>/` prefix of Basic Ingest is free. */
export function topicLevelSlashes(topic) {
  const m = /^\$aws\/rules\/[^/]+\//.exec(topic);
  const rest = m ? topic.slice(m[0].length) : topic;
  return (rest.match(/\//g) ?? []).length;
}

/** The size limits of a topic name or filter: a text naming the broken rule, or null. */
export function topicSizeError(topic, what = 'topic') {
  const bytes = Buffer.byteLength(topic, 'utf8');
  if (bytes > TOPIC_LIMITS.topicBytes) return `${what} is ${bytes} bytes; AWS IoT allows ${TOPIC_LIMITS.topicBytes}`;
  const slashes = topicLevelSlashes(topic);
  if (slashes > TOPIC_LIMITS.topicSlashes) return `${what} has ${slashes} '/' levels; AWS IoT allows ${TOPIC_LIMITS.topicSlashes}`;
  return null;
}

/**
 * A topic name one publishes to (MQTT PUBLISH, a Will, HTTPS publish): the size limits, and the
 * MQTT rules for a name (not empty, no wildcard, no NUL; MQTT 3.1.1 §4.7.3, §1.5.3).
 * `allowEmpty`: an MQTT 5 PUBLISH may carry an empty name with a topic alias.
 */
export function topicNameError(topic, { what = 'topic', allowEmpty = false } = {}) {
  if (!topic) return allowEmpty ? null : `${what} is empty`;
  const size = topicSizeError(topic, what);
  if (size) return size;
  if (/[+#]/.test(topic)) return `${what} '${topic}' contains a wildcard (+ or #); a publish topic cannot`;
  if (topic.includes('\u0000')) return `${what} contains a NUL character`;
  return null;
}

// "Reserved topics" (developer guide), one template per allowed topic: `{x}` is any one level
// (a thing, job, template, rule... name), `{a|b}` one of these levels, `{...}` one or more levels.
const SHADOW = ['$aws/things/{thing}/shadow', '$aws/things/{thing}/shadow/name/{shadow}'];
const FORMAT = '{json|cbor}';
const PUBLISH_TEMPLATES = [
  // Shadow topics: get, update, delete are "Publish/Subscribe".
  ...SHADOW.map((p) => `${p}/{get|update|delete}`),
  // Job topics: the requests.
  '$aws/things/{thing}/jobs/{get|start-next}',
  '$aws/things/{thing}/jobs/{jobId}/{get|update}',
  // Device Defender, MQTT-based file delivery, fleet provisioning: the requests.
  `$aws/things/{thing}/defender/metrics/${FORMAT}`,
  `$aws/things/{thing}/streams/{streamId}/{get|describe}/${FORMAT}`,
  `$aws/certificates/{create|create-from-csr}/${FORMAT}`,
  `$aws/provisioning-templates/{template}/provision/${FORMAT}`,
  // Rule topics (Basic Ingest): "Publish"; the part after the rule name is the rule's topic.
  '$aws/rules/{rule}',
  '$aws/rules/{rule}/{...}',
];
const SUBSCRIBE_TEMPLATES = [
  ...SHADOW.map((p) => `${p}/{get|update|delete}`),
  ...SHADOW.map((p) => `${p}/{get|update|delete}/{accepted|rejected}`),
  ...SHADOW.map((p) => `${p}/update/{delta|documents}`),
  '$aws/things/{thing}/jobs/{get|start-next}/{accepted|rejected}',
  '$aws/things/{thing}/jobs/{jobId}/{get|update}/{accepted|rejected}',
  '$aws/things/{thing}/jobs/{notify|notify-next}',
  `$aws/things/{thing}/defender/metrics/${FORMAT}/{accepted|rejected}`,
  `$aws/things/{thing}/streams/{streamId}/{data|description|rejected}/${FORMAT}`,
  '$aws/things/{thing}/tunnels/notify',
  `$aws/certificates/{create|create-from-csr}/${FORMAT}/{accepted|rejected}`,
  `$aws/provisioning-templates/{template}/provision/${FORMAT}/{accepted|rejected}`,
  // Event topics (presence, subscriptions, registry, jobs): "Subscribe".
  '$aws/events/{...}',
  '$aws/sitewise/asset-models/{model}/assets/{asset}/properties/{property}',
];

const ANY = Symbol('any level');
const REST = Symbol('one or more levels');
function compile(template) {
  return template.split('/').map((level) => {
    if (level === '{...}') return REST;
    const m = /^\{(.+)\}$/.exec(level);
    if (!m) return new Set([level]);
    return m[1].includes('|') ? new Set(m[1].split('|')) : ANY;
  });
}
const PUBLISH = PUBLISH_TEMPLATES.map(compile);
const SUBSCRIBE = SUBSCRIBE_TEMPLATES.map(compile);

/**
 * Whether filter `f` (levels; `+` and `#` as MQTT wildcards, AWS's `#` needing one level) can
 * match a topic of template `t`. A topic name is a filter without wildcards.
 */
function filterMeetsTemplate(f, t) {
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return i < t.length; // AWS's `#` needs at least one more level
    const level = t[i];
    if (level === undefined) return false;
    if (level === REST) return true; // one or more levels: this one and any after it
    if (f[i] === '+' || level === ANY) continue;
    if (!level.has(f[i])) return false;
  }
  return f.length === t.length;
}

const allows = (templates, topic) => {
  const levels = topic.split('/');
  return templates.some((t) => filterMeetsTemplate(levels, t));
};

const SOURCE = 'guide, "Reserved topics"';

/**
 * A PUBLISH (or HTTPS publish) to `topic`: null when allowed, else the rule it breaks. Topics not
 * starting with `$` are the user's own and always pass here.
 */
export function reservedPublishError(topic) {
  if (!topic.startsWith('$')) return null;
  if (!topic.startsWith('$aws/')) {
    return `'${topic}' starts with '$': topics beginning with '$' are reserved for AWS IoT and clients can't create them (${SOURCE})`;
  }
  if (allows(PUBLISH, topic)) return null;
  if (allows(SUBSCRIBE, topic)) {
    return `'${topic}' is a reserved topic AWS IoT publishes to; clients may only subscribe to it, not publish (${SOURCE})`;
  }
  return `'${topic}' is not a reserved topic AWS IoT lets clients publish to (${SOURCE})`;
}

/** A SUBSCRIBE filter: null when allowed, else the rule it breaks (`$share/<group>/` is taken off first). */
export function reservedSubscribeError(filter) {
  const m = /^\$share\/[^/]+\//.exec(filter);
  const own = m ? filter.slice(m[0].length) : filter;
  if (!own.startsWith('$')) return null;
  if (!own.startsWith('$aws/')) {
    return `'${own}' starts with '$': topics beginning with '$' are reserved for AWS IoT and this one does not exist (${SOURCE})`;
  }
  if (allows(SUBSCRIBE, own)) return null;
  if (allows(PUBLISH, own)) {
    return `'${own}' is a reserved request topic; clients may only publish to it, not subscribe (${SOURCE})`;
  }
  return `'${own}' matches no reserved topic AWS IoT lets clients subscribe to (${SOURCE})`;
}
