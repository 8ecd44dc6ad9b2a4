// The provider's own routes for the journeys NHS login checks before go-live (issue 12), beside
// oidc-provider's: PATCH /userinfo (client_user_metadata, EIS §3.6.3–3.6.4), NHS login's settings page
// reached with an asserted_login_identity (DOCS linking-to-settings), and the simulated NHS App that
// opens a service with a one-time assertedLoginIdentity (APPDOCS web-integration-step-by-step).
// provider.mjs builds them with createJourneyRoutes(deps), giving them the state they share.

import { constants as cryptoConstants, createPublicKey, publicEncrypt, randomInt, randomUUID } from 'node:crypto';

import { SignJWT } from 'jose';

import { bearerChallenge, escapeHtml, page, readBody, redact, seeOther, sendHtml } from './http.mjs';
import { patientList } from './patients.mjs';

/**
 * The NHS App's own NHS login client (the NHS App source calls it `nhs-online`, reference §0 point 4).
 * The NHS App hand-off page signs its `assertedLoginIdentity` JWTs with this client's key.
 */
export const NHS_APP_CLIENT_ID = 'nhs-online';

/** EIS §3.6.3 Table 14: `client_user_metadata` is at most 1024 characters. */
export const CLIENT_USER_METADATA_MAX = 1024;

/**
 * The journey routes of one provider instance.
 * @param {object} deps
 * @param {import('oidc-provider').default} deps.provider  for its AccessToken and Grant models
 * @param {string} deps.issuer
 * @param {string} deps.userinfoPath  the userinfo route (EIS §3.3: /userinfo)
 * @param {{ client_id: string, redirect_uris: string[] }[]} deps.registrations
 * @param {Map<string, { keys: object[] }>} deps.registeredJwks  client_id → public JWKS (the NHS App's too)
 * @param {Map<string, string>} deps.clientMetadata  `${sub}\n${clientId}` → client_user_metadata
 * @param {Map<string, { accountId: string, clientId: string, exp: number }>} deps.issuedIdTokens  ID token jti →
 * @param {(jwt: string) => Promise<string>} deps.verifyAssertedLoginIdentity  → the patient's sub, or throws
 * @param {(idOrSub: string | undefined) => object | undefined} deps.patientHere
 * @param {CryptoKey | import('node:crypto').KeyObject} deps.nhsAppSigningKey
 * @param {number} deps.idTokenTtl  seconds (EIS Table 18)
 * @param {number} deps.ssoMaxLifetime  seconds an asserted_login_identity may live (60)
 * @param {(map: Map, expOf: Function) => void} deps.prune
 * @param {() => number} deps.now  seconds since the epoch
 * @param {(message: string) => void} deps.log
 * @returns {{ route(method: string, pathname: string): ((req, res) => Promise<void>) | undefined }}
 */
export function createJourneyRoutes({
  provider, issuer, userinfoPath, registrations, registeredJwks, clientMetadata, issuedIdTokens,
  verifyAssertedLoginIdentity, patientHere, nhsAppSigningKey, idTokenTtl, ssoMaxLifetime, prune, now, log,
}) {
  /** The handler of a route this provider serves itself (not oidc-provider), or undefined. */
  function route(method, pathname) {
    if (pathname === userinfoPath && method === 'PATCH') return patchUserinfo;
    if (pathname === '/settings') return settingsPage;
    if (pathname === '/nhs-app') return nhsAppHandOff;
    return undefined;
  }

  /** A userinfo error: bearer-token errors in `WWW-Authenticate` only, no body (EIS §3.6.2.2). */
  function bearerError(res, status, error, description, scope) {
    res.statusCode = status;
    res.setHeader('WWW-Authenticate', bearerChallenge({ error, error_description: description, scope }));
    res.setHeader('Cache-Control', 'no-store');
    res.end();
  }

  /** Other userinfo errors: a JSON body (EIS §3.6.2.2, Table 12). */
  function jsonError(res, status, error, description) {
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', 'no-store');
    res.end(JSON.stringify({ error, error_description: description }));
  }

  /**
   * EIS §3.6.3–3.6.4, UserInfo Update Request: `PATCH /userinfo` with a bearer access token and an
   * `application/json` body `{ "client_user_metadata": "..." }` (Table 14: at most 1024 characters;
   * `""` clears the value; `"auto"` makes NHS login generate a new one). Success is 204 with no body;
   * errors as EIS §3.6.2.2. Never kinder than the EIS: the token must carry the `client_metadata`
   * scope (DOCS scopes-and-claims: it "requests access to the End-User's client_user_metadata
   * claim"), and any other member is an unsupported parameter (EIS Table 13 `invalid_request`).
   */
  async function patchUserinfo(req, res) {
    // Like GET /userinfo here: a browser (cross-origin) call is refused (reference §0 point 9).
    if (req.headers.origin !== undefined) {
      bearerError(res, 400, 'invalid_request', `origin ${String(req.headers.origin).slice(0, 100)} not allowed`);
      return;
    }
    // RFC 6750 §2.1; EIS §3.6.3: "MUST be sent as a Bearer Token using the Authorization header".
    const match = /^Bearer ([\x21-\x7e]{1,8192})$/.exec(req.headers.authorization ?? '');
    const token = match ? await provider.AccessToken.find(match[1]) : undefined;
    const grant = token?.grantId ? await provider.Grant.find(token.grantId) : undefined;
    if (!token || !grant) {
      bearerError(res, 401, 'invalid_token', 'invalid token provided');
      return;
    }
    if (!String(token.scope ?? '').split(' ').includes('client_metadata')) {
      bearerError(res, 403, 'insufficient_scope', 'the access token lacks the client_metadata scope', 'client_metadata');
      return;
    }
    // EIS §3.6.3: "using the HTTP PATCH method and a Content-Type of 'application/json'".
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') {
      jsonError(res, 400, 'invalid_request', 'the body must be application/json (EIS §3.6.3)');
      return;
    }
    let body;
    try {
      body = JSON.parse(await readBody(req));
    } catch (err) {
      if (err.status === 413) {
        jsonError(res, 413, 'invalid_request', 'the body is too large');
        return;
      }
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      jsonError(res, 400, 'invalid_request', 'the body must be a JSON object');
      return;
    }
    const unknown = Object.keys(body).filter((k) => k !== 'client_user_metadata');
    if (unknown.length) {
      jsonError(res, 400, 'invalid_request', `unsupported parameter ${JSON.stringify(unknown[0]).slice(0, 60)} (EIS Table 14)`);
      return;
    }
    const value = body.client_user_metadata;
    if (value !== undefined && typeof value !== 'string') {
      jsonError(res, 400, 'invalid_request', 'client_user_metadata must be a string');
      return;
    }
    // Table 14: "The maximum length is 1024 characters" (counted in UTF-16 code units: never more).
    if (typeof value === 'string' && value.length > CLIENT_USER_METADATA_MAX) {
      jsonError(res, 400, 'invalid_request', `client_user_metadata is longer than ${CLIENT_USER_METADATA_MAX} characters`);
      return;
    }
    const key = `${token.accountId}\n${token.clientId}`;
    if (value === '') clientMetadata.delete(key); // Table 14: an empty string clears the value
    else if (value === 'auto') clientMetadata.set(key, generatedMetadata(token.clientId));
    else if (value !== undefined) clientMetadata.set(key, value);
    res.statusCode = 204; // EIS §3.6.4: "an HTTP 204 response with no response body"
    res.setHeader('Cache-Control', 'no-store');
    res.end();
  }

  /**
   * EIS Table 11.2: "a randomly-generated (by NHS login) number which has been encrypted using
   * PKCS1_OAEP cipher with the RP's public key and then base64URL encoded".
   */
  function generatedMetadata(clientId) {
    const jwk = registeredJwks.get(clientId).keys[0];
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    const number = String(randomInt(0, 2 ** 47));
    return publicEncrypt({ key, padding: cryptoConstants.RSA_PKCS1_OAEP_PADDING }, Buffer.from(number)).toString('base64url');
  }

  /**
   * The NHS login settings page ("Manage your NHS login"), reached from a service with an SSO link:
   * `/settings?asserted_login_identity=<jwt>` (DOCS linking-to-settings: a one-time JWT, 60 s, no
   * re-authentication). A missing, expired, replayed or badly signed assertion is refused with an
   * error page (HTTP 400), as NHS login cannot tell who the user is without it.
   */
  async function settingsPage(req, res) {
    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      sendHtml(res, 405, page('Method not allowed', '<h1>Method not allowed</h1>'));
      return;
    }
    const params = new URL(req.url, issuer).searchParams;
    const assertions = params.getAll('asserted_login_identity');
    let accountId;
    let problem;
    if (assertions.length !== 1 || !assertions[0]) {
      problem = 'asserted_login_identity rejected: missing (DOCS linking-to-settings: the link carries a one-time asserted_login_identity)';
    } else {
      try {
        accountId = await verifyAssertedLoginIdentity(assertions[0]);
      } catch (err) {
        problem = err.error_description ?? err.message;
      }
    }
    if (problem) {
      log(redact(`settings page refused: ${problem}`));
      sendHtml(res, 400, page('Sorry, there is a problem', `<div class="error" role="alert"><h1>Sorry, there is a problem</h1>
  <p id="settings-error">${escapeHtml(problem)}</p>
  <p>Go back to the service and use its link to your NHS login settings again.</p></div>`));
      return;
    }
    const patient = patientHere(accountId);
    sendHtml(res, 200, page('Manage your NHS login', `<h1>Manage your NHS login</h1>
  <p id="settings-patient">Signed in as ${escapeHtml(`${patient.givenName} ${patient.familyName}`)} (identity proofing level ${escapeHtml(patient.identityProofingLevel)}), without signing in again.</p>
  <ul>
  <li>Email address: ${escapeHtml(patient.email)}</li>
  <li>Mobile phone number: ${escapeHtml(patient.phoneNumber)}</li>
  </ul>
  <p>This local test provider does not change any settings.</p>`));
  }

  /**
   * The NHS App hand-off (APPDOCS web-integration-step-by-step): the NHS App, where the patient is
   * already signed in, opens a service at `<service url>?assertedLoginIdentity=<jwt>`, with a fresh
   * one-time JWT (60 s) signed by the NHS App's client, whose `code` is the `jti` of the NHS App's
   * own ID token. `GET /nhs-app?service=<url>` shows the simulated NHS App (pick a patient); with
   * `&patient=p9|p5|p0` it answers 303 to the service. The service must be on the origin of a
   * registered redirect URI (never an open redirect).
   */
  async function nhsAppHandOff(req, res) {
    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      sendHtml(res, 405, page('Method not allowed', '<h1>Method not allowed</h1>'));
      return;
    }
    const params = new URL(req.url, issuer).searchParams;
    const service = params.get('service') ?? '';
    const origins = new Set(registrations.flatMap((c) => c.redirect_uris.map((u) => new URL(u).origin)));
    let target;
    try {
      target = new URL(service);
    } catch {}
    if (!target || !origins.has(target.origin) || target.hash || target.searchParams.has('assertedLoginIdentity')) {
      sendHtml(res, 400, page('Sorry, there is a problem', `<div class="error" role="alert"><h1>Sorry, there is a problem</h1>
  <p>service must be a URL on the origin of a registered redirect URI, without a fragment or assertedLoginIdentity.</p></div>`));
      return;
    }
    const patient = params.has('patient') ? patientHere(params.get('patient')) : undefined;
    if (!patient) {
      const options = patientList.map((p) => `<div class="option">
  <input type="radio" id="patient-${p.id}" name="patient" value="${p.id}"${p.id === 'p9' ? ' checked' : ''}>
  <label for="patient-${p.id}">${escapeHtml(`Open as ${p.givenName} ${p.familyName} (${p.identityProofingLevel})`)}</label>
  </div>`).join('\n');
      sendHtml(res, params.has('patient') ? 400 : 200, page('NHS App', `<h1>NHS App (simulated)</h1>
  <p>The patient is signed in to the NHS App. Choose one, and the NHS App opens the service with a one-time <code>assertedLoginIdentity</code>.</p>
  <form method="get" action="/nhs-app">
  <input type="hidden" name="service" value="${escapeHtml(target.href)}">
  <fieldset><legend>Patient signed in to the NHS App</legend>
  ${options}
  </fieldset>
  <button type="submit" class="primary">Open the service</button>
  </form>`));
      return;
    }
    // The NHS App's own sign-in: an ID token issued to the NHS App client, whose jti is the `code`.
    const code = randomUUID();
    prune(issuedIdTokens, (v) => v.exp);
    issuedIdTokens.set(code, { accountId: patient.sub, clientId: NHS_APP_CLIENT_ID, exp: now() + idTokenTtl });
    // EIS Table 1; DOCS single-sign-on: iss = RP1's client_id, code, jti, iat, exp ≤ 60 s ahead.
    const jwt = await new SignJWT({ code })
      .setProtectedHeader({ alg: 'RS512', typ: 'JWT' })
      .setIssuer(NHS_APP_CLIENT_ID)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(now() + ssoMaxLifetime)
      .sign(nhsAppSigningKey);
    // APPDOCS: the parameter is always appended last.
    target.searchParams.append('assertedLoginIdentity', jwt);
    seeOther(res, target.href);
  }

  return { route };
}
