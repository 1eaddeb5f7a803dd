// credentials.js — where the SigV4 credentials come from: static keys, a Cognito identity pool
// (GetId + GetCredentialsForIdentity over fetch, JSON parsed here: linking core's
// connection::CognitoIdentity instead costs the browser package 11 KB gz, see docs/benchmarks.md),
// or the application's own async provider. Temporary credentials are cached and refreshed before
// they expire, when core's refresh policy says (connection::refresh_deadline_ms, through ctx).
// Times are server time (ctx.wallNow(): the wall clock corrected by the clock-skew policy), the
// frame AWS's expirations are in.
import { IotError } from './errors.js';

const isKey = (v) => typeof v === 'string' && v !== '';

// Checked credentials with `expiration` in epoch ms (or undefined), else IotError `code`.
// (Their JS types; core checks the values again when it signs.)
const checked = (c, where, code = 'invalid_argument', details = undefined) => {
  const expiration = c && c.expiration instanceof Date ? c.expiration.getTime() : c && c.expiration;
  if (!c || !isKey(c.accessKeyId) || !isKey(c.secretAccessKey) || (c.sessionToken != null && typeof c.sessionToken != 'string')
      || (expiration != null && !Number.isFinite(expiration))) {
    throw new IotError(code, `${where}: credentials need a non-empty accessKeyId and secretAccessKey, and if any a string sessionToken and a finite expiration`, details);
  }
  return { ...c, expiration: expiration ?? undefined };
};

// A source has get() → Promise<{accessKeyId, secretAccessKey, sessionToken?, expiration? (epoch ms)}>,
// invalidate() (after an auth failure), and stop().
export function createCredentialSource(options, ctx) {
  if (options.credentials) {
    const c = checked(options.credentials, 'credentials');
    return { get: async () => c, invalidate() {}, stop() {} };
  }
  if (options.credentialsProvider) {
    return cached(async () => checked(await options.credentialsProvider(), 'credentialsProvider'), options, ctx);
  }
  if (options.cognito) return cached(cognitoFetcher(options, ctx), options, ctx);
  return null;
}

// Caches the credentials and refreshes them at core's deadline (and on demand).
function cached(fetchCredentials, options, ctx) {
  let current = null;
  let inFlight = null;
  let timer = null;
  let stopped = false;
  const fresh = () => current && (current.expiration === undefined || ctx.wallNow() < current.refreshAt);
  const schedule = () => {
    clearTimeout(timer);
    timer = null;
    if (stopped || !current || current.expiration === undefined) return;
    // setTimeout fires at once for delays over 2^31-1 ms (24.8 days): clamp, and re-check then.
    const delay = Math.min(2 ** 31 - 1, Math.max(0, current.refreshAt - ctx.wallNow()));
    timer = setTimeout(() => { (fresh() ? Promise.resolve().then(schedule) : refresh()).catch((e) => ctx.onError(e)); }, delay);
  };
  const refresh = () => {
    if (!inFlight) {
      inFlight = fetchCredentials().then((c) => {
        const now = ctx.wallNow();
        inFlight = null;
        // Already expired on arrival (a wrong clock): used once, not cached; core refuses them
        // when it signs (auth_failed naming the expiry) and the engine backs off.
        if (c.expiration !== undefined && c.expiration <= now) return c;
        current = { ...c, refreshAt: c.expiration === undefined ? Infinity : ctx.refreshAt(c.expiration, now) };
        schedule();
        // What the application may show (never a key or token): when these expire, whose they are.
        ctx.onCredentials({ expiration: c.expiration, identityId: c.identityId });
        return current;
      }, (e) => { inFlight = null; throw e; });
    }
    return inFlight;
  };
  return {
    get: () => (fresh() ? Promise.resolve(current) : refresh()),
    invalidate() { current = null; },
    stop() { stopped = true; clearTimeout(timer); timer = null; },
  };
}

// Cognito identity pool: unsigned JSON POSTs to cognito-identity.<region>.amazonaws.com.
// Every error of this path says so as data (error.service), with Cognito's exception name as
// error.cognitoType when it gave one: callers explain from these fields, not from the text.
const COGNITO = Object.freeze({ service: 'cognito' });
function cognitoFetcher(options, ctx) {
  const c = options.cognito;
  if (!c.identityPoolId) {
    throw new IotError('invalid_argument', 'cognito.identityPoolId is required');
  }
  const region = c.region || options.region || c.identityPoolId.split(':')[0];
  const endpoint = c.endpoint || `https://cognito-identity.${region}.amazonaws.com/`;
  const storageKey = `iotlite.cognito.${c.identityPoolId}`;
  let identityId = c.identityId || null;

  const call = async (target, body) => {
    let response;
    try {
      response = await ctx.fetch(endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `AWSCognitoIdentityService.${target}` },
        body: JSON.stringify(body),
      });
    } catch (e) {
      throw new IotError('io_error', `Cognito ${target}: request to ${endpoint} failed (${e && e.message})`, COGNITO);
    }
    let text;
    try {
      const date = response.headers && response.headers.get && response.headers.get('date');
      if (date) ctx.learnServerDate(date);
      text = String(await response.text());
    } catch (e) {
      throw new IotError('io_error', `Cognito ${target}: reading the answer failed (${e && e.message})`, COGNITO);
    }
    let json = null;
    try { json = text ? JSON.parse(text) : {}; } catch { json = null; }
    if (typeof json !== 'object') json = null;
    if (!response.ok || !json) {
      const name = json && (json.__type || json.code) ? String(json.__type || json.code).split('#').pop() : '';
      const type = name || `HTTP ${response.status}`;
      const message = (json && (json.message || json.Message)) || text.slice(0, 200);
      // The code by core's table of Cognito's exceptions (connection::cognito_error_kind).
      throw new IotError(ctx.cognitoErrc(name, response.status), `Cognito ${target}: ${type}${message ? `: ${message}` : ''}`, { ...COGNITO, status: response.status, cognitoType: type });
    }
    return json;
  };

  const logins = async () => {
    const l = typeof c.logins === 'function' ? await c.logins() : c.logins;
    return l && Object.keys(l).length ? l : undefined;
  };

  let idWasCached = false;
  const getId = async (l) => {
    if (!identityId && c.storage) identityId = (await c.storage.getItem(storageKey)) || null;
    idWasCached = !!identityId;
    if (identityId) return identityId;
    const body = { IdentityPoolId: c.identityPoolId };
    if (c.accountId) body.AccountId = c.accountId;
    if (l) body.Logins = l;
    const json = await call('GetId', body);
    if (typeof json.IdentityId !== 'string') throw new IotError('server_error', 'Cognito GetId: the answer has no IdentityId', COGNITO);
    identityId = json.IdentityId;
    if (c.storage) await c.storage.setItem(storageKey, identityId);
    return identityId;
  };

  const getCredentials = async (id, l) => {
    const body = { IdentityId: id };
    if (l) body.Logins = l;
    const json = await call('GetCredentialsForIdentity', body);
    const k = json.Credentials || {};
    const e = k.Expiration;
    return {
      ...checked({
        accessKeyId: k.AccessKeyId,
        secretAccessKey: k.SecretKey,
        sessionToken: k.SessionToken,
        // Expiration is epoch seconds (a number), server time like ctx.wallNow().
        expiration: e == null ? e : typeof e == 'number' ? e * 1000 : NaN,
      }, 'Cognito GetCredentialsForIdentity', 'server_error', COGNITO),
      identityId: typeof json.IdentityId === 'string' ? json.IdentityId : id,
    };
  };

  return async () => {
    const l = await logins();
    const id = await getId(l);
    try {
      return await getCredentials(id, l);
    } catch (e) {
      // A cached identity may belong to a deleted pool entry or another login: start over once.
      if ((e.code === 'invalid_argument' || e.code === 'auth_failed') && idWasCached && !c.identityId) {
        identityId = null;
        if (c.storage && c.storage.removeItem) await c.storage.removeItem(storageKey);
        return getCredentials(await getId(l), l);
      }
      throw e;
    }
  };
}
