// AWS IoT Core policy documents: parsing and evaluation (pure; no I/O).
//
// What AWS documents (developer guide, "AWS IoT Core policies", "AWS IoT Core policy actions",
// "AWS IoT Core action resources", "AWS IoT Core policy variables", "Basic AWS IoT Core policy
// variables", "Thing policy variables", "X.509 Certificate AWS IoT Core policy variables"), and
// what the stand-in does with it:
// - A document has `Version` and `Statement` (one object or a list). A statement has `Effect`
//   (`Allow` | `Deny`), `Action` (a string or a list; `*` and `?` wildcards, e.g. `iot:*`;
//   compared case-insensitively as IAM does) and `Resource` (a string or a list of ARNs
//   `arn:aws:iot:<region>:<account>:<type>/<name>`, `*` and `?` wildcards; case-sensitive).
// - "The characters + and # are treated as literal strings in a policy": only `*` and `?` are
//   wildcards, so a subscription to `demo/#` is the resource `topicfilter/demo/#`, matched by a
//   policy resource `topicfilter/demo/*`.
// - Policy variables `${...}` in a resource are replaced by the identity's values before
//   matching; a value is matched literally (a `*` in a client id is not a wildcard). `${*}`,
//   `${?}` and `${$}` stand for the literal characters. A resource naming a variable that has no
//   value for this identity matches nothing (the guide warns that a missing certificate field
//   "doesn't get evaluated"; not matching is the safe reading).
// - Evaluation: an explicit Deny in any policy wins over every Allow; otherwise one Allow is
//   enough; with neither, the request is denied (default deny).
// Not supported (the loader refuses them with an error naming the key, so a policy is never
// silently read more permissively or strictly than AWS would): `Condition`, `NotAction`,
// `NotResource`, `Principal`, multi-valued certificate variables (`...List`).

export const POLICY_VERSIONS = Object.freeze(['2012-10-17', '2008-10-17']);

/** Variables the stand-in can fill in (the context keys are in `variableValue`). */
export const SUBJECT_FIELDS = Object.freeze({
  CommonName: 'CN',
  Country: 'C',
  Organization: 'O',
  OrganizationalUnit: 'OU',
  State: 'ST',
  Locality: 'L',
  SerialNumber: 'serialNumber',
  Title: 'title',
  Surname: 'SN',
  GivenName: 'GN',
  Initials: 'initials',
  Pseudonym: 'pseudonym',
  GenerationQualifier: 'generationQualifier',
  DistinguishedNameQualifier: 'dnQualifier',
});

const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'Resource']);
const UNSUPPORTED_KEYS = new Set(['Condition', 'NotAction', 'NotResource', 'Principal', 'NotPrincipal']);

function globToRegExp(glob, flags = '') {
  const body = glob.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`));
  return new RegExp(`^${body}$`, flags);
}

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function stringList(value, what) {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'string' && v.length > 0)) {
    throw new Error(`${what} must be a non-empty string or a non-empty list of strings`);
  }
  return list;
}

/**
 * Parses one policy document (a JSON object or its text). Throws an Error naming the broken
 * rule; returns `{ name, statements: [{ index, sid, effect, actions, resources }] }`.
 */
export function parsePolicyDocument(input, name = 'policy') {
  let doc = input;
  if (typeof input === 'string') {
    try { doc = JSON.parse(input); } catch (e) { throw new Error(`policy '${name}': not JSON (${e.message})`); }
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`policy '${name}': a policy document is a JSON object`);
  for (const k of Object.keys(doc)) {
    if (k !== 'Version' && k !== 'Statement' && k !== 'Id') throw new Error(`policy '${name}': unknown top-level key '${k}' (Version, Statement, Id)`);
  }
  if (doc.Version !== undefined && !POLICY_VERSIONS.includes(doc.Version)) {
    throw new Error(`policy '${name}': Version '${doc.Version}' is not one of ${POLICY_VERSIONS.join(', ')}`);
  }
  const raw = Array.isArray(doc.Statement) ? doc.Statement : (doc.Statement && typeof doc.Statement === 'object' ? [doc.Statement] : null);
  if (!raw || raw.length === 0) throw new Error(`policy '${name}': Statement must be an object or a non-empty list`);
  const statements = raw.map((s, i) => {
    const where = `policy '${name}' statement ${i + 1}`;
    if (s === null || typeof s !== 'object' || Array.isArray(s)) throw new Error(`${where}: a statement is a JSON object`);
    for (const k of Object.keys(s)) {
      if (UNSUPPORTED_KEYS.has(k)) throw new Error(`${where}: '${k}' is not supported by the stand-in (standin/README.md, "IoT policies")`);
      if (!STATEMENT_KEYS.has(k)) throw new Error(`${where}: unknown key '${k}'`);
    }
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw new Error(`${where}: Effect must be "Allow" or "Deny"`);
    const actions = stringList(s.Action, `${where}: Action`);
    const resources = stringList(s.Resource, `${where}: Resource`);
    for (const r of resources) {
      for (const m of r.matchAll(/\$\{([^}]*)\}/g)) {
        if (!isKnownVariable(m[1])) throw new Error(`${where}: policy variable '\${${m[1]}}' is not supported by the stand-in`);
      }
    }
    return {
      index: i + 1,
      sid: typeof s.Sid === 'string' ? s.Sid : null,
      effect: s.Effect,
      actions: actions.map((a) => ({ text: a, re: globToRegExp(a, 'i') })),
      resources,
    };
  });
  return { name, statements };
}

function isKnownVariable(v) {
  if (v === '*' || v === '?' || v === '$') return true;
  if (['iot:ClientId', 'iot:Connection.Thing.ThingName', 'iot:Connection.Thing.IsAttached',
    'cognito-identity.amazonaws.com:sub', 'cognito-identity.amazonaws.com:aud', 'iot:Certificate.SerialNumber'].includes(v)) return true;
  const m = /^iot:Certificate\.(Subject|Issuer)\.(\w+)$/.exec(v);
  return Boolean(m && Object.hasOwn(SUBJECT_FIELDS, m[2]));
}

/**
 * The value of a policy variable for an identity context, or undefined when it has none.
 * ctx: { clientId, thingName, thingAttached, cognitoSub, cognitoPool,
 *        certificate: { subject: {CN, O, ...}, issuer: {...}, serialNumber } }
 */
export function variableValue(name, ctx) {
  switch (name) {
    case '*': return '*';
    case '?': return '?';
    case '$': return '$';
    case 'iot:ClientId': return ctx.clientId ?? undefined;
    case 'iot:Connection.Thing.ThingName': return ctx.thingName ?? undefined;
    case 'iot:Connection.Thing.IsAttached': return ctx.thingName ? 'true' : 'false';
    case 'cognito-identity.amazonaws.com:sub': return ctx.cognitoSub ?? undefined;
    case 'cognito-identity.amazonaws.com:aud': return ctx.cognitoPool ?? undefined;
    case 'iot:Certificate.SerialNumber': return ctx.certificate?.serialNumber ?? undefined;
    default: {
      const m = /^iot:Certificate\.(Subject|Issuer)\.(\w+)$/.exec(name);
      if (!m || !ctx.certificate) return undefined;
      const fields = m[1] === 'Subject' ? ctx.certificate.subject : ctx.certificate.issuer;
      const v = fields?.[SUBJECT_FIELDS[m[2]]];
      return typeof v === 'string' ? v : undefined; // multi-valued fields: not supported
    }
  }
}

/** A policy resource with its variables filled in, as a RegExp; null if a variable has no value. */
export function resourcePattern(resource, ctx) {
  let out = '';
  let at = 0;
  for (const m of resource.matchAll(/\$\{([^}]*)\}/g)) {
    out += globToRegExp(resource.slice(at, m.index)).source.slice(1, -1);
    const v = variableValue(m[1], ctx);
    if (v === undefined) return null;
    out += escapeRegExp(v);
    at = m.index + m[0].length;
  }
  out += globToRegExp(resource.slice(at)).source.slice(1, -1);
  return new RegExp(`^${out}$`);
}

function describe(policy, st) {
  return `policy '${policy.name}' statement ${st.index}${st.sid ? ` (Sid ${st.sid})` : ''}`;
}

/**
 * Evaluates `action` on `resourceArn` against every parsed policy of an identity.
 * @returns {{allowed: boolean, why: string}} `why` names the deciding policy and statement, or
 *          says that no statement allows it.
 */
export function evaluatePolicies(policies, action, resourceArn, ctx = {}) {
  let allow = null;
  for (const policy of policies) {
    for (const st of policy.statements) {
      if (!st.actions.some((a) => a.re.test(action))) continue;
      if (!st.resources.some((r) => resourcePattern(r, ctx)?.test(resourceArn))) continue;
      if (st.effect === 'Deny') return { allowed: false, why: `explicitly denied by ${describe(policy, st)}` };
      allow ??= { allowed: true, why: `allowed by ${describe(policy, st)}` };
    }
  }
  if (allow) return allow;
  const names = policies.map((p) => `'${p.name}'`).join(', ');
  return { allowed: false, why: policies.length ? `no statement allows it (policies ${names})` : 'no policy is attached to this identity' };
}
