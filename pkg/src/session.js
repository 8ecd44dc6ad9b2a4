// NhsLogin: the stateful convenience layer for single-page apps. It only
// composes the pure functions of index.js with storage and navigation:
// signIn() keeps the transient values (state, nonce, PKCE verifier, vtr) in
// sessionStorage, one entry per request so several sign-ins (and tabs) can be
// in flight; handleRedirect() takes the entry back exactly once, refuses it
// after ten minutes, and removes code/state from the address bar. Tokens are
// never stored by this class, and nothing is ever written to localStorage.
import { createAuthorizationRequest, parseCallback, checkIdToken, createRemoteJwks, settingsUrl, NhsLoginError } from './core.js';
import { MESSAGE_TRANSACTION_EXPIRED, MESSAGE_SESSION_CHANGED } from './generated.js';
import { withTabLock } from './tab-lock.js';

const PREFIX = 'nhs-login:tx:';
// Set when a session ran out (idle or 12 h): the next sign-in must be a real
// re-authentication, prompt=login (NHS login session management; EIS Table 1 `prompt`).
const REAUTH = 'nhs-login:reauth';
const RESPONSE_PARAMS = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri', 'session_state'];

/**
 * The device clock's offset from a server's, in seconds (server − device),
 * from its `Date` header (1-second resolution: the midpoint of that second is
 * compared with the midpoint of the request); 0 without a usable header.
 * @param {string | null | undefined} date
 * @param {number} sent ms, device clock
 * @param {number} received ms, device clock
 */
export function clockOffset(date, sent, received) {
  const server = date ? Date.parse(date) : NaN;
  if (!Number.isFinite(server)) return 0;
  return Math.round((server + 500 - (sent + received) / 2) / 100) / 10;
}

/**
 * token_exchange_failed for an answer of the edge's /token, saying which case
 * it is (`reason`): nothing there (edge_not_found), the edge refused the
 * request (edge_refused) or failed (edge_failed), or NHS login refused or
 * could not be reached (nhs_login_refused, nhs_login_unavailable; the edge
 * marks those with `error_source`). Carries the edge's `status` and `error`.
 */
function exchangeFailed(url, { status, body }) {
  const error = typeof body.error === 'string' ? body.error : undefined;
  const said = typeof body.error_description === 'string' ? `: ${body.error_description}` : '';
  const [reason, message] =
    status === 404 || status === 405
      ? ['edge_not_found', `nothing at ${url} answers as the edge handler (HTTP ${status}): check \`edgeUrl\` and the edge's \`basePath\``]
      : body.error_source === 'nhs_login'
        ? status < 500
          ? ['nhs_login_refused', `NHS login refused the code exchange (${error})${said}`]
          : ['nhs_login_unavailable', `NHS login could not complete the code exchange (${error})${said}`]
        : status < 500 && status >= 400
          ? ['edge_refused', `the edge handler refused the code exchange (HTTP ${status} ${error})${said}`]
          : ['edge_failed', `the edge handler failed (HTTP ${status}${error ? ` ${error}` : ''})${said || (status === 200 ? ': its answer has no id_token' : '')}`];
  return new NhsLoginError('token_exchange_failed', message, { error, status, reason });
}

export class NhsLogin {
  /**
   * @param {object} options createAuthorizationRequest options (clientId, redirectUri,
   *   environment or authorizationEndpoint, scope, vtr, ...) plus `issuer`, `storage`
   *   (default sessionStorage) and `transactionTtlSeconds` (default 600).
   */
  constructor(options = {}) {
    this.options = { ...options };
    this.storage = options.storage ?? globalThis.sessionStorage;
    this.ttl = (options.transactionTtlSeconds ?? 600) * 1000;
    if (!this.storage) throw new NhsLoginError('invalid_option', 'option `storage` is required where sessionStorage does not exist', { field: 'storage' });
  }

  // Drops transactions older than the TTL (abandoned sign-ins).
  purge(now = Date.now()) {
    const s = this.storage;
    for (let i = s.length - 1; i >= 0; i--) {
      const k = s.key(i);
      if (!k || !k.startsWith(PREFIX)) continue;
      let t;
      try {
        t = JSON.parse(s.getItem(k)).t;
      } catch {}
      if (!(now - t < this.ttl)) s.removeItem(k);
    }
  }

  /**
   * Creates an authorization request, stores its transient values and (unless
   * `{ redirect: false }`) sends the browser to NHS login. Per-call options
   * (e.g. prompt, vtr, assertedLoginIdentity) override the constructor's.
   * Resolves to the authorization URL.
   */
  async signIn(overrides = {}) {
    const { redirect = true, ...rest } = overrides;
    const o = { ...this.options, ...rest };
    if (rest.prompt === undefined && this.storage.getItem(REAUTH) !== null) {
      this.storage.removeItem(REAUTH);
      o.prompt = 'login';
    }
    const r = await createAuthorizationRequest(o);
    this.purge();
    this.storage.setItem(
      PREFIX + r.state,
      JSON.stringify({ t: Date.now(), state: r.state, nonce: r.nonce, codeVerifier: r.codeVerifier, vtr: o.vtr, redirectUri: o.redirectUri }),
    );
    if (redirect) globalThis.location.assign(r.url);
    return r.url;
  }

  /**
   * Handles the redirect back from NHS login (default: the current address).
   * Resolves to { code, codeVerifier, nonce, vtr, redirectUri } for the token
   * exchange and ID token validation. Rejects with state_mismatch (unknown or
   * already used state), transaction_expired (older than 10 minutes), or any
   * parseCallback error. Removes the response parameters from the address bar
   * in every case, so a reload cannot replay them.
   */
  async handleRedirect(url = globalThis.location.href) {
    const u = new URL(url);
    try {
      const state = u.searchParams.get('state');
      const key = PREFIX + state;
      const raw = state ? this.storage.getItem(key) : null;
      // Single use: the entry is removed before anything else happens.
      if (raw !== null) this.storage.removeItem(key);
      let tx;
      try {
        tx = JSON.parse(raw);
      } catch {}
      if (!tx || typeof tx.state !== 'string') {
        throw new NhsLoginError('state_mismatch', 'no sign-in is waiting for this state: it was already used, or was started in another browser or tab. Start again.');
      }
      if (!(Date.now() - tx.t < this.ttl)) {
        throw new NhsLoginError('transaction_expired', MESSAGE_TRANSACTION_EXPIRED);
      }
      // RFC 9207: an `iss` in the redirect is checked against the issuer of
      // `issuer` or `environment`, exactly as parseCallback does.
      const { code } = await parseCallback(u.href, { state: tx.state, issuer: this.options.issuer, environment: this.options.environment });
      return { code, codeVerifier: tx.codeVerifier, nonce: tx.nonce, vtr: tx.vtr, redirectUri: tx.redirectUri };
    } finally {
      this.cleanUrl(u);
    }
  }

  /**
   * The whole return journey with the edge handler (`nhs-login-client/edge`):
   * handleRedirect(), then POST {edgeUrl}/token (the private_key_jwt exchange
   * happens there), then the ID token validated against {edgeUrl}/jwks with
   * the stored nonce and vtr. Resolves to { claims, warnings, idToken,
   * accessToken, tokenType, expiresIn, scope }; `warnings` lists the profile
   * claims left out for an unexpected type ({ claim, message }). The access
   * token is kept in memory (never in storage) for userinfo(). Rejects with
   * the handleRedirect codes, token_exchange_failed (with .error and .status
   * from the edge), or any validateIdToken code.
   */
  async completeSignIn(url = globalThis.location?.href) {
    const base = this.edgeBase(url);
    const r = await this.handleRedirect(url);
    const res = await this.edgeCall('token_exchange_failed', `${base}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // `vtr`: the edge holds `vot` to this request's vectors (a step-up asks for more than the first sign-in).
      body: JSON.stringify({ code: r.code, code_verifier: r.codeVerifier, redirect_uri: r.redirectUri, nonce: r.nonce, ...(Array.isArray(r.vtr) ? { vtr: r.vtr } : {}) }),
    });
    const body = res.body;
    if (!res.ok || typeof body.id_token !== 'string') throw exchangeFailed(`${base}/token`, res);
    this.jwks ??= createRemoteJwks(`${base}/jwks`, { fetch: this.options.fetch ?? globalThis.fetch });
    // The token is judged by the clock the edge has just judged it by: a device
    // clock minutes or hours off must not lock the patient out (issue 13).
    const clockOffsetSeconds = res.clockOffsetSeconds;
    const { claims, warnings } = await checkIdToken(body.id_token, {
      issuer: this.options.issuer,
      environment: this.options.issuer ? undefined : this.options.environment,
      clientId: this.options.clientId,
      jwks: this.jwks,
      nonce: r.nonce,
      vtr: r.vtr,
      clockSkewSeconds: this.options.clockSkewSeconds,
      now: Date.now() / 1000 + clockOffsetSeconds,
    });
    this.accessToken = typeof body.access_token === 'string' ? body.access_token : undefined;
    // The patient this page shows: later answers from the edge must be theirs.
    this.sub = claims.sub;
    return { claims, warnings, idToken: body.id_token, accessToken: body.access_token, tokenType: body.token_type, expiresIn: body.expires_in, scope: body.scope, clockOffsetSeconds };
  }

  /**
   * A fresh access token from POST {edgeUrl}/refresh (the refresh token stays
   * in the edge's HttpOnly cookie). Resolves to { accessToken, tokenType,
   * expiresIn, scope } and keeps the access token in memory for userinfo().
   * Rejects with refresh_failed, carrying the edge's `error` (`login_required`
   * when there is no session: sign in again) and `status`.
   */
  refresh() {
    // One refresh at a time in this page, and across this origin's tabs (Web
    // Locks, else a BroadcastChannel election): NHS login rotates the refresh
    // token, so a second concurrent refresh would present a spent one.
    this.refreshing ??= (async () => {
      try {
        const base = this.edgeBase();
        return await withTabLock(`nhs-login:refresh:${base}`, async () => {
          let res = await this.edgeCall('refresh_failed', `${base}/refresh`, { method: 'POST' });
          // The edge answers 401 invalid_grant (keeping the cookie) when the
          // refresh token was rotated by a concurrent refresh (another tab, or
          // an isolate this page's lock cannot see): the cookie jar now holds
          // the winner's session, so try once more.
          if (res.status === 401 && res.body.error === 'invalid_grant') res = await this.edgeCall('refresh_failed', `${base}/refresh`, { method: 'POST' });
          if (!res.ok || typeof res.body.access_token !== 'string') throw edgeError('refresh_failed', res, 'refreshing the access token');
          this.checkSub(res.body.sub);
          this.accessToken = res.body.access_token;
          return { accessToken: res.body.access_token, tokenType: res.body.token_type, expiresIn: res.body.expires_in, scope: res.body.scope };
        });
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /**
   * Restores the signed-in state after a page reload (tokens live in memory
   * only): GET {edgeUrl}/session gives the patient's claims as the edge
   * validated them at sign-in, `vot`, and the session's deadlines (seconds
   * since the epoch); then {edgeUrl}/refresh gives a fresh access token.
   * Resolves to { claims, vot, idleExpiresAt, expiresAt, accessToken,
   * tokenType, expiresIn, scope }, or null when there is no session (401
   * login_required: show the sign-in page). Rejects with resume_failed (with
   * `.error` and `.status`), refresh_failed or session_changed.
   */
  async resume() {
    const res = await this.edgeCall('resume_failed', `${this.edgeBase()}/session`, { method: 'GET' });
    if (res.status === 401 && res.body.error === 'login_required') return null;
    const b = res.body;
    if (!res.ok || !b.claims || typeof b.claims !== 'object' || typeof b.claims.sub !== 'string' || b.sub !== b.claims.sub) throw edgeError('resume_failed', res, 'reading the session');
    // A page that already shows a patient must not silently become another's.
    this.checkSub(b.sub);
    this.sub = b.sub;
    const t = await this.refresh();
    return { claims: b.claims, vot: b.vot, idleExpiresAt: b.idleExpiresAt, expiresAt: b.expiresAt, ...t };
  }

  /**
   * A one-time `asserted_login_identity` JWT from POST {edgeUrl}/sso-assertion,
   * for handing the signed-in patient to another NHS login service (NHS login
   * single sign-on; it lives 60 seconds). Resolves to { assertedLoginIdentity,
   * expiresIn }. Rejects with sso_unavailable (with the edge's `.error`:
   * `sso_unavailable` when the session is idle or its ID token is older than
   * 60 minutes, `login_required` without a session) or session_changed.
   */
  async ssoAssertion() {
    const res = await this.edgeCall('sso_unavailable', `${this.edgeBase()}/sso-assertion`, { method: 'POST' });
    if (!res.ok || typeof res.body.asserted_login_identity !== 'string') throw edgeError('sso_unavailable', res, 'asking for a single sign-on assertion');
    this.checkSub(res.body.sub);
    return { assertedLoginIdentity: res.body.asserted_login_identity, expiresIn: res.body.expires_in };
  }

  /**
   * NHS App entry (NHS App web integration): when the page was opened with
   * `?assertedLoginIdentity=<jwt>`, removes it from the address bar (it is
   * one-time) and starts a silent sign-in: signIn() with `prompt: 'none'` and
   * the JWT forwarded as `asserted_login_identity` (NHS login validates it).
   * `overrides` go to signIn() (scope, vtr, `redirect: false`...). Resolves
   * to the authorization URL, or null when the page was not opened so.
   * Rejects with malformed_callback when the parameter appears twice.
   */
  async handleNhsAppEntry(overrides = {}, url = globalThis.location?.href) {
    const u = new URL(url);
    const values = u.searchParams.getAll('assertedLoginIdentity');
    if (!values.length) return null;
    u.searchParams.delete('assertedLoginIdentity');
    globalThis.history?.replaceState(globalThis.history.state, '', u.pathname + u.search + u.hash);
    if (values.length !== 1 || !values[0]) throw new NhsLoginError('malformed_callback', 'assertedLoginIdentity must appear once, with a value', { field: 'assertedLoginIdentity' });
    return this.signIn({ ...overrides, prompt: 'none', assertedLoginIdentity: values[0] });
  }

  /**
   * Step-up in the same visit (NHS login docs: step-up P5 to P9): a new
   * authorization request with the higher vectors (e.g. ['P9.Cp.Cd']) and a
   * one-time `asserted_login_identity` from {edgeUrl}/sso-assertion, so the
   * patient proves their identity without a second password. Without an
   * assertion (the session's ID token is older than 60 minutes, or there is
   * no session) the patient signs in again. `overrides` go to signIn().
   * Resolves to the authorization URL. Rejects with invalid_option for an
   * empty `vtr`, session_changed, or any signIn() code.
   */
  async stepUp(vtr, overrides = {}) {
    if (!Array.isArray(vtr) || !vtr.length) throw new NhsLoginError('invalid_option', 'stepUp(vtr) needs the higher vectors, e.g. ["P9.Cp.Cd"]', { field: 'vtr' });
    let assertion;
    try {
      assertion = (await this.ssoAssertion()).assertedLoginIdentity;
    } catch (e) {
      if (e.code !== 'sso_unavailable') throw e;
    }
    return this.signIn({ ...overrides, vtr, ...(assertion ? { assertedLoginIdentity: assertion } : {}) });
  }

  /**
   * A link to the patient's NHS login settings ("Manage your NHS login", a
   * mandatory onboarding scenario) that needs no second sign-in: the
   * environment's settings page (or the `settingsUrl` option) with a one-time
   * `asserted_login_identity` from {edgeUrl}/sso-assertion (NHS login docs:
   * linking to settings). It lives 60 seconds: make it when the patient
   * chooses the link. Rejects with invalid_option, sso_unavailable or
   * session_changed.
   */
  async settingsLink() {
    const base = this.options.settingsUrl ?? settingsUrl({ environment: this.options.environment });
    let u;
    try {
      u = new URL(base);
    } catch {}
    if (!u || !/^https?:$/.test(u.protocol)) throw new NhsLoginError('invalid_option', 'option `settingsUrl` must be an absolute URL', { field: 'settingsUrl' });
    u.searchParams.set('asserted_login_identity', (await this.ssoAssertion()).assertedLoginIdentity);
    return u.href;
  }

  /**
   * Sets the patient's `client_user_metadata` at NHS login (EIS §3.6.3–3.6.4)
   * through PATCH {edgeUrl}/userinfo: a string of at most 1024 characters;
   * `""` clears it, `"auto"` has NHS login generate a new one. Needs the
   * `client_metadata` scope. Refreshes the access token once on a 401, as
   * userinfo() does. Resolves when NHS login answered 204. Rejects with
   * invalid_option (not a string, too long), userinfo_failed (with `.status`
   * and `.error`) or refresh_failed.
   */
  async setClientUserMetadata(value) {
    if (typeof value !== 'string' || value.length > 1024) throw new NhsLoginError('invalid_option', '`client_user_metadata` must be a string of at most 1024 characters (EIS §3.6.3)', { field: 'client_user_metadata' });
    let refreshed = false;
    if (!this.accessToken) {
      await this.refresh();
      refreshed = true;
    }
    const once = () =>
      this.edgeCall('userinfo_failed', `${this.edgeBase()}/userinfo`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${this.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ client_user_metadata: value }),
      });
    let res = await once();
    if (res.status === 401 && !refreshed) {
      await this.refresh();
      res = await once();
    }
    if (res.status !== 204) throw edgeError('userinfo_failed', res, 'updating client_user_metadata');
  }

  // Whose session answered: another patient signed in in another tab (shared
  // and family devices) must not be shown as, or act for, this page's patient.
  checkSub(sub) {
    if (this.sub === undefined || sub === this.sub) return;
    this.accessToken = undefined;
    throw new NhsLoginError('session_changed', MESSAGE_SESSION_CHANGED);
  }

  /**
   * Ends the edge session (POST {edgeUrl}/sign-out: the refresh token is
   * forgotten with the cookie) and drops the access token from memory. NHS
   * login itself has no logout (EIS §2.2). Never rejects: resolves to true
   * when the edge ended its session, false when it could not be reached or
   * refused (the access token is dropped either way). `{ expired: 'idle' | 'max' }`
   * (as startSessionTimers passes it) makes the next signIn() send prompt=login.
   */
  async signOut({ expired } = {}) {
    this.accessToken = undefined;
    this.sub = undefined;
    // After an expiry the next signIn() sends prompt=login.
    if (expired) this.storage.setItem(REAUTH, String(expired));
    try {
      return (await this.edgeCall('refresh_failed', `${this.edgeBase()}/sign-out`, { method: 'POST' })).ok;
    } catch {
      return false;
    }
  }

  /**
   * The patient's claims from NHS login's userinfo endpoint, through GET
   * {edgeUrl}/userinfo (NHS login: "make a request to the UserInfo endpoint to
   * obtain any of the claims" — email, phone, GP details and the like are not
   * in the ID token). The edge checks that userinfo's `sub` is the signed-in
   * patient's (EIS §3.6.2); nothing else can be checked here, as userinfo is
   * unsigned. NHS login's access tokens live 5 minutes (EIS Table 18): on a
   * 401 the access token is refreshed once through {edgeUrl}/refresh and the
   * call retried. Without an access token in memory (after a reload) it
   * refreshes first. Rejects with userinfo_failed (with .status and .error),
   * or refresh_failed when the refresh does not work (`.error`
   * `login_required`: sign in again).
   */
  async userinfo() {
    let refreshed = false;
    if (!this.accessToken) {
      await this.refresh();
      refreshed = true;
    }
    let res = await this.userinfoOnce();
    // Refresh once at most, whichever way round.
    if (res.status === 401 && !refreshed) {
      await this.refresh();
      res = await this.userinfoOnce();
    }
    if (!res.ok || res.body === null || typeof res.body !== 'object') throw edgeError('userinfo_failed', res, 'reading userinfo');
    return res.body;
  }

  userinfoOnce() {
    return this.edgeCall('userinfo_failed', `${this.edgeBase()}/userinfo`, { headers: { authorization: `Bearer ${this.accessToken}` } });
  }

  // The edge handler's base URL, resolved against the page.
  edgeBase(url = globalThis.location?.href) {
    const edge = this.options.edgeUrl;
    if (typeof edge !== 'string') throw new NhsLoginError('invalid_option', 'option `edgeUrl` (where the edge handler routes live, e.g. "/auth") is required', { field: 'edgeUrl' });
    return new URL(edge.replace(/\/$/, ''), url).href;
  }

  // One call to the edge handler with its cookie; resolves to { ok, status, body }.
  async edgeCall(code, url, init) {
    const doFetch = this.options.fetch ?? globalThis.fetch;
    let res;
    const sent = Date.now();
    try {
      res = await doFetch(url, { ...init, credentials: 'include' });
    } catch (cause) {
      throw new NhsLoginError(code, `the edge handler at ${url} could not be reached (network error, CORS refusal, or it is not running): check \`edgeUrl\``, {
        cause,
        reason: 'edge_unreachable',
      });
    }
    const clockOffsetSeconds = clockOffset(res.headers?.get?.('date'), sent, Date.now());
    // Judged by status first: a 401 (RFC 6750) or a 204 may have no body.
    let body = {};
    const text = await res.text().catch(() => '');
    if (text) {
      try {
        body = JSON.parse(text) ?? {};
      } catch (cause) {
        if (res.ok) throw new NhsLoginError(code, `the edge handler answered HTTP ${res.status} without JSON`, { cause, status: res.status });
      }
    }
    return { ok: res.ok, status: res.status, body, clockOffsetSeconds };
  }

  // history.replaceState without the OAuth response parameters.
  cleanUrl(u) {
    const h = globalThis.history;
    const loc = globalThis.location;
    if (!h || !loc || loc.href !== u.href) return;
    for (const p of RESPONSE_PARAMS) u.searchParams.delete(p);
    h.replaceState(h.state, '', u.pathname + u.search + u.hash);
  }
}

const edgeError = (code, res, what) =>
  new NhsLoginError(code, res.body?.error_description ?? `the edge handler answered HTTP ${res.status} when ${what}`, { error: res.body?.error, status: res.status });
