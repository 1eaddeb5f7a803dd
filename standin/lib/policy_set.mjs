// Who gets which AWS IoT policies in the stand-in, and the one `authorize` every door calls.
//
// A policy set is the JSON of `--policy FILE` or `PUT /admin/policies` (format: standin/README.md,
// "IoT policies"). With no set loaded everything is allowed, as before policies existed. With a
// set loaded, an identity with no policy attached is denied everything (AWS's default deny).
//
// Identities (each door fills in `client.identity`):
//   { kind: 'certificate', certificate: { subject, issuer, serialNumber, certificateId } }  8883, ALPN, HTTPS 8443
//   { kind: 'cognito', identityId, poolId, poolName, authenticated }           Cognito credentials
//   { kind: 'static', accessKeyId }                                            the IAM user's keys
//   { kind: 'authorizer', name }                                               custom authorizer
// Which documents apply (developer guide, "Authorization with Amazon Cognito identities"):
//   - certificates: the policies attached to the certificate's CN, else those for "*" (any
//     certificate of the stand-in CA);
//   - unauthenticated Cognito identities: only the IAM policy of the pool's unauthenticated role;
//   - authenticated Cognito identities: the pool's authenticated role policy AND the IoT policy
//     attached to the identity id ("you need to specify permissions in two places"): both must allow;
//   - static SigV4 keys: the IAM user's policy (by access key id, else "*");
//   - custom authorizer: the `policyDocuments` its Lambda returns ("Defining your Lambda function").
import { evaluatePolicies, parsePolicyDocument } from './iot_policy.mjs';

/** The fields of a peer certificate (tls getPeerCertificate()) that policies use; `certificateId`
 *  is AWS's: the SHA-256 of the DER, 64 lowercase hex digits. */
export function certificateFields(peer) {
  return { subject: peer.subject, issuer: peer.issuer, serialNumber: peer.serialNumber,
    certificateId: peer.fingerprint256 ? peer.fingerprint256.replace(/:/g, '').toLowerCase() : undefined };
}

const TOP_KEYS = ['policies', 'certificates', 'cognito', 'staticCredentials', 'customAuthorizers'];

/** A list of policy names or inline documents -> parsed policies. */
function resolveList(list, named, where) {
  if (!Array.isArray(list)) throw new Error(`${where} must be a list of policy names or policy documents`);
  return list.map((item, i) => {
    if (typeof item === 'string') {
      const p = named.get(item);
      if (!p) throw new Error(`${where} names the policy '${item}', which "policies" does not define`);
      return p;
    }
    return parsePolicyDocument(item, `${where}[${i}]`);
  });
}

function resolveMap(obj, named, where) {
  const out = new Map();
  if (obj === undefined) return out;
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new Error(`${where} must be an object`);
  for (const [k, list] of Object.entries(obj)) out.set(k, resolveList(list, named, `${where}.${k}`));
  return out;
}

/** Parses a policy set; throws an Error naming the first problem. */
export function parsePolicySet(input) {
  let set = input;
  if (typeof input === 'string') {
    try { set = JSON.parse(input); } catch (e) { throw new Error(`policy set is not JSON (${e.message})`); }
  }
  if (set === null || typeof set !== 'object' || Array.isArray(set)) throw new Error('a policy set is a JSON object');
  for (const k of Object.keys(set)) {
    if (!TOP_KEYS.includes(k)) throw new Error(`policy set: unknown key '${k}' (${TOP_KEYS.join(', ')})`);
  }
  const named = new Map();
  for (const [name, doc] of Object.entries(set.policies ?? {})) named.set(name, parsePolicyDocument(doc, name));
  const cognito = set.cognito ?? {};
  for (const k of Object.keys(cognito)) {
    if (k !== 'roles' && k !== 'identities') throw new Error(`policy set: unknown key 'cognito.${k}' (roles, identities)`);
  }
  const roles = new Map();
  for (const [pool, r] of Object.entries(cognito.roles ?? {})) {
    if (r === null || typeof r !== 'object') throw new Error(`cognito.roles.${pool} must be {unauthenticated, authenticated}`);
    for (const k of Object.keys(r)) {
      if (k !== 'unauthenticated' && k !== 'authenticated') throw new Error(`policy set: unknown key 'cognito.roles.${pool}.${k}'`);
    }
    roles.set(pool, {
      unauthenticated: r.unauthenticated ? resolveList(r.unauthenticated, named, `cognito.roles.${pool}.unauthenticated`) : [],
      authenticated: r.authenticated ? resolveList(r.authenticated, named, `cognito.roles.${pool}.authenticated`) : [],
    });
  }
  return {
    source: set,
    certificates: resolveMap(set.certificates, named, 'certificates'),
    roles,
    identities: resolveMap(cognito.identities, named, 'cognito.identities'),
    staticCredentials: resolveMap(set.staticCredentials, named, 'staticCredentials'),
    customAuthorizers: resolveMap(set.customAuthorizers, named, 'customAuthorizers'),
  };
}

const byKeyOrStar = (map, key) => map.get(key) ?? map.get('*') ?? [];

/** A short text naming an identity in log lines (never a secret). */
export function identityLabel(identity) {
  switch (identity?.kind) {
    case 'certificate': return `certificate CN=${identity.certificate?.subject?.CN ?? '?'}`;
    case 'cognito': return `Cognito ${identity.authenticated ? 'authenticated' : 'unauthenticated'} identity ${identity.identityId}`;
    case 'static': return `static key ${identity.accessKeyId}`;
    case 'authorizer': return `custom authorizer ${identity.name}`;
    default: return 'unknown identity';
  }
}

export class PolicyAuthority {
  /**
   * @param {object} o
   * @param {string} o.region
   * @param {string} o.accountId   the stand-in's fixed account (config `accountId`)
   * @param {Array<{name: string, policyDocuments?: object[]}>} [o.customAuthorizers] the config's
   *        authorizers; `policyDocuments` is what the authorizer's Lambda returns
   * @param {(line: string) => void} [o.log]
   */
  constructor({ region, accountId, customAuthorizers = [], log = () => {} }) {
    this.region = region;
    this.accountId = accountId;
    this.log = log;
    this.authorizerPolicies = new Map(customAuthorizers.filter((a) => a.policyDocuments)
      .map((a) => [a.name, resolveList(a.policyDocuments, new Map(), `customAuthorizers[${a.name}].policyDocuments`)]));
    /** null: permissive (no policies loaded). */
    this.set = null;
    /** (certificateId, thingName) => whether the registry attaches the certificate to the thing. */
    this.isAttached = () => false;
  }

  /** Replaces the policy set (null: back to allow-all). Throws on an invalid set, keeping the old one. */
  load(input) {
    this.set = input === null ? null : parsePolicySet(input);
  }

  get loaded() { return this.set !== null; }

  arn(resource) { return `arn:aws:iot:${this.region}:${this.accountId}:${resource}`; }

  /** The policy lists that must each allow the request (authenticated Cognito needs two). */
  policiesFor(identity) {
    const s = this.set;
    switch (identity?.kind) {
      case 'certificate': return [byKeyOrStar(s.certificates, identity.certificate?.subject?.CN)];
      case 'static': return [byKeyOrStar(s.staticCredentials, identity.accessKeyId)];
      case 'authorizer': return [s.customAuthorizers.get(identity.name) ?? this.authorizerPolicies.get(identity.name) ?? []];
      case 'cognito': {
        const role = s.roles.get(identity.poolName) ?? s.roles.get(identity.poolId) ?? s.roles.get('*');
        if (!identity.authenticated) return [role?.unauthenticated ?? []];
        return [role?.authenticated ?? [], byKeyOrStar(s.identities, identity.identityId)];
      }
      default: return [[]];
    }
  }

  /**
   * The values policy variables take for this identity on a connection with `clientId`;
   * `isAttached(certificateId, thingName)` answers from the thing registry (fleet provisioning).
   */
  static context(identity, clientId, isAttached = () => false) {
    const ctx = { clientId };
    if (identity?.kind === 'certificate') {
      ctx.certificate = identity.certificate;
      // AWS: the thing is the one the client id names, when the certificate is attached to it
      // (guide, "Thing policy variables"). Certificates of POST /admin/certs {thing} have CN = the
      // thing name and stand for that attachment; those RegisterThing made (fleet provisioning;
      // a CreateKeysAndCertificate one has CN provisioned-<hex>) are looked up in its registry.
      const cn = identity.certificate?.subject?.CN;
      const id = identity.certificate?.certificateId;
      if (clientId !== undefined && (cn === clientId || (id && isAttached(id, clientId)))) ctx.thingName = clientId;
    }
    if (identity?.kind === 'cognito') {
      ctx.cognitoSub = identity.identityId;
      ctx.cognitoPool = identity.poolId;
    }
    return ctx;
  }

  /**
   * Decides `action` on `resource` (the ARN's `<type>/<name>` part) for an identity.
   * Logs each denial with the identity and the deciding statement.
   * @returns {{allowed: boolean, why: string}}
   */
  authorize(identity, action, resource, { clientId, label = '' } = {}) {
    if (!this.set) return { allowed: true, why: 'no policies loaded (allow all)' };
    const arn = this.arn(resource);
    const ctx = PolicyAuthority.context(identity, clientId, this.isAttached);
    const lists = this.policiesFor(identity);
    let verdict = null;
    for (const [i, list] of lists.entries()) {
      verdict = evaluatePolicies(list, action, arn, ctx);
      if (!verdict.allowed) {
        if (lists.length > 1) verdict.why += i === 0 ? '; checked: the identity pool\'s authenticated role' : '; checked: the IoT policies attached to the Cognito identity';
        break;
      }
    }
    if (!verdict.allowed) {
      this.log(`${label ? `${label}: ` : ''}${action} on ${arn} denied for ${identityLabel(identity)}: ${verdict.why} (guide, "AWS IoT Core policies")`);
    }
    return verdict;
  }

  /** The `authorize(action, resource)` callback for one MQTT connection (lib/mqtt_inspect.mjs). */
  forConnection(identity, clientIdOf, label) {
    return (action, resource) => this.authorize(identity, action, resource, { clientId: clientIdOf() ?? undefined, label });
  }
}
