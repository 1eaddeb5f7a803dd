// Which access keys the stand-in accepts: static test keys from the config (no session token,
// never expire) and temporary credentials issued by the Cognito endpoint (session token,
// expiry). The gateway and the HTTPS API look keys up here.
import { randomBytes, randomUUID } from 'node:crypto';

export class CredentialStore {
  constructor({ clock, staticCredentials = [] }) {
    this.clock = clock;
    this.keys = new Map();
    for (const c of staticCredentials) {
      this.keys.set(c.accessKeyId, { secretAccessKey: c.secretAccessKey, sessionToken: undefined, expiresAtMs: Infinity, kind: 'static' });
    }
  }

  /**
   * Issues temporary credentials valid for lifetimeSeconds (by the stand-in's clock). The Cognito
   * identity they belong to (id, pool, authenticated or not) decides their IoT policies.
   */
  issue({ lifetimeSeconds, identityId, poolId, poolName, authenticated = false }) {
    const accessKeyId = 'ASIA' + randomBytes(8).toString('hex').toUpperCase();
    const secretAccessKey = randomBytes(30).toString('base64');
    // Real session tokens contain '/', '+' and '=': keep them so clients must URI-encode it.
    const sessionToken = 'IQoJb3JpZ2luX2Vj/' + randomBytes(48).toString('base64') + '+' + randomUUID() + '==';
    const expiresAtMs = this.clock.nowMs() + lifetimeSeconds * 1000;
    this.keys.set(accessKeyId, { secretAccessKey, sessionToken, expiresAtMs, kind: 'temporary', identityId, poolId, poolName, authenticated });
    return { accessKeyId, secretAccessKey, sessionToken, expiresAtMs };
  }

  /** Adds a key as given (tests: fixed published vectors). */
  add({ accessKeyId, secretAccessKey, sessionToken, expiresAtMs = Infinity, kind = 'static' }) {
    this.keys.set(accessKeyId, { secretAccessKey, sessionToken, expiresAtMs, kind });
  }

  /** Returns { secretAccessKey, sessionToken, expiresAtMs, kind } or undefined when unknown. */
  lookup(accessKeyId) { return this.keys.get(accessKeyId); }

  /** { secretAccessKey, sessionToken } of a known, unexpired key, else undefined
   *  (the contract of the HTTPS API's lookupSecret). */
  validSecret(accessKeyId) {
    const c = this.keys.get(accessKeyId);
    if (!c || c.expiresAtMs <= this.clock.nowMs()) return undefined;
    return { secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken };
  }

  /**
   * The identity IoT policies are evaluated for (lib/policy_set.mjs): a Cognito identity for
   * credentials it issued, the IAM user's static key otherwise. Never carries the secret.
   */
  identity(accessKeyId) {
    const c = this.keys.get(accessKeyId);
    if (c?.kind === 'temporary' && c.identityId) {
      return { kind: 'cognito', identityId: c.identityId, poolId: c.poolId, poolName: c.poolName, authenticated: c.authenticated };
    }
    return { kind: 'static', accessKeyId };
  }

  /** Fault control: every issued temporary credential is expired from now on. */
  expireTemporary() {
    let n = 0;
    const now = this.clock.nowMs();
    for (const c of this.keys.values()) {
      if (c.kind === 'temporary' && c.expiresAtMs > now) { c.expiresAtMs = now; n += 1; }
    }
    return n;
  }
}
