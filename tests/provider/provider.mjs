// A local OpenID provider that behaves like NHS login, for tests and the demo.
//
// It is a real OpenID Connect provider built on `oidc-provider` (v9), configured and extended to
// follow the NHS login Interface Specification – Federation (EIS, V2.1, 11 Nov 2022). Section and
// table numbers below are the EIS's own; "reference §n" points at the project's NHS login reference
// notes, which summarise the EIS and the NHS login developer documentation (DOCS).
//
// By default it is never kinder than the real NHS login. Each point where a test may need the older,
// more lenient behaviour has a named switch (`PROFILE_DEFAULTS`, README "Profile switches").
//
// What it does (details in README.md next to this file; issue 12's own routes in journeys.mjs):
// - authorization code flow only, PKCE (S256) required, `private_key_jwt` client authentication
//   with RS512 only and the token endpoint URL in the assertion `aud`, RS512-signed ID tokens with a
//   `kid`, unsigned JSON userinfo whose token errors go in `WWW-Authenticate` only;
// - vectors of trust (`vtr` → `vot`, `vtm`) with an uplift page, NHS login scopes and claims (only
//   the identity claims in the ID token), ID token `jti`, 5-minute access tokens;
// - redirect URIs: https (http on loopback only), no query string, no `iss` on the redirect back;
// - `prompt=none` failures reported as `sso_login_required`; consent refusal reported as
//   `access_denied` / `ConsentNotGiven`;
// - `asserted_login_identity` (NHS App style SSO) with one-time JWTs signed by a registered client;
// - its own minimal login, uplift and consent pages (no external resources), usable from Playwright
//   or fetch.
//
// It binds to 127.0.0.1 only and keeps all state in memory. It is a test double: do not expose it.

import { createServer } from 'node:http';
import { createPrivateKey, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';

import Provider, { errors, interactionPolicy } from 'oidc-provider';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';

import { PROOFING_LEVELS, findPatient, newPatient, patientList } from './patients.mjs';
import {
  bearerChallenge, escapeHtml, page, readForm, redact, seeOther, sendHtml,
} from './http.mjs';
import { CLIENT_USER_METADATA_MAX, NHS_APP_CLIENT_ID, createJourneyRoutes } from './journeys.mjs';

export { patients, patientList, findPatient, isValidNhsNumber } from './patients.mjs';

/** The only host this provider ever binds to. */
const HOST = '127.0.0.1';

/** Endpoint paths, as NHS login's (EIS §3.3). */
const ROUTES = Object.freeze({
  authorization: '/authorize',
  token: '/token',
  userinfo: '/userinfo',
  jwks: '/.well-known/jwks.json',
});

/** Token lifetimes in seconds (EIS §4.4, Table 18; reference §0 point 6). */
export const TTL = Object.freeze({
  AuthorizationCode: 10 * 60,
  IdToken: 60 * 60,
  AccessToken: 5 * 60,
  RefreshToken: 30 * 24 * 60 * 60,
  // NHS login's own SSO session lifetime is not published (reference §12). 12 h matches the RP-side
  // "re-authenticate after 12 h of use" rule (DOCS session-management).
  Session: 12 * 60 * 60,
  Interaction: 60 * 60,
  Grant: 30 * 24 * 60 * 60,
});

/** Maximum lifetime of an `asserted_login_identity` JWT: "exp no more than 60 s ahead" (EIS Table 1). */
const SSO_JWT_MAX_LIFETIME = 60;
/** Clock skew allowed on JWTs received from clients. */
const CLOCK_TOLERANCE = 5;

/**
 * The twelve vectors of trust NHS login defines (EIS §5.1, Table 21). Anything else in `vtr` is
 * rejected with `invalid_request`.
 */
export const KNOWN_VECTORS = Object.freeze([
  'P0.Cp', 'P0.Cp.Cd', 'P0.Cp.Ck', 'P0.Cm',
  'P5.Cp', 'P5.Cp.Cd', 'P5.Cp.Ck', 'P5.Cm',
  'P9.Cp', 'P9.Cp.Cd', 'P9.Cp.Ck', 'P9.Cm',
]);

/** `vtr` assumed when the request has none (EIS Table 1; reference §2). */
export const DEFAULT_VTR = Object.freeze(['P9.Cp.Cd', 'P9.Cp.Ck', 'P9.Cm']);

/** Scopes this provider understands (EIS Table 2; DOCS scopes-and-claims). Others are ignored. */
const SCOPES = [
  'openid', 'profile', 'basic_demographics', 'profile_extended', 'email', 'phone',
  'gp_registration_details', 'client_metadata',
];

export { CLIENT_USER_METADATA_MAX, NHS_APP_CLIENT_ID };

// ---------------------------------------------------------------------------------------------
// Profile switches
// ---------------------------------------------------------------------------------------------

/**
 * What NHS login does, as the default of each `startProvider` switch. A switch set to another value
 * brings back a kinder (or merely different) behaviour for a test that needs it; README "Profile
 * switches" lists them with their sources.
 */
export const PROFILE_DEFAULTS = Object.freeze({
  /** RFC 9207 `iss` on the redirect back. EIS Tables 3–4 list `code` and `state` only. */
  issParameter: false,
  /** Access token lifetime in seconds: 5 minutes (EIS Table 18). */
  accessTokenTtl: TTL.AccessToken,
  /** `'identity'`: only EIS Table 16 identity claims in the ID token; `'all'`: every scope claim. */
  idTokenClaims: 'identity',
  /** `email_verified` etc. as the strings "true"/"false" (NHSDigital/hometest-service, sandpit). */
  verifiedAsStrings: false,
  /** `'token-endpoint'`: the assertion `aud` must contain the token endpoint URL (EIS Table 6). */
  assertionAudience: 'token-endpoint',
  /** A patient below the requested level is offered an uplift page (DOCS testing-scenarios). */
  uplift: true,
});

const isBoolean = (value) => typeof value === 'boolean';
const oneOf = (...choices) => (value) => choices.includes(value);

/** Validator and human description of the accepted values, per switch. */
const PROFILE_RULES = {
  issParameter: [isBoolean, 'true or false'],
  accessTokenTtl: [
    (value) => Number.isInteger(value) && value >= 1 && value <= TTL.IdToken,
    `a whole number of seconds from 1 to ${TTL.IdToken}`,
  ],
  idTokenClaims: [oneOf('identity', 'all'), '"identity" or "all"'],
  verifiedAsStrings: [isBoolean, 'true or false'],
  assertionAudience: [
    oneOf('token-endpoint', 'issuer-or-token-endpoint'),
    '"token-endpoint" or "issuer-or-token-endpoint"',
  ],
  uplift: [isBoolean, 'true or false'],
};

/**
 * The switches of one provider instance: `PROFILE_DEFAULTS` overridden by `options`.
 * @param {Partial<typeof PROFILE_DEFAULTS>} options
 * @returns {Readonly<typeof PROFILE_DEFAULTS>}
 * @throws {TypeError} naming the switch when a value is not accepted
 */
export function resolveProfile(options = {}) {
  const profile = {};
  for (const [name, fallback] of Object.entries(PROFILE_DEFAULTS)) {
    const value = options[name] === undefined ? fallback : options[name];
    const [valid, expected] = PROFILE_RULES[name];
    if (!valid(value)) {
      throw new TypeError(`startProvider option ${name} must be ${expected} (got ${JSON.stringify(value)})`);
    }
    profile[name] = value;
  }
  return Object.freeze(profile);
}

// ---------------------------------------------------------------------------------------------
// Vectors of trust
// ---------------------------------------------------------------------------------------------

/**
 * Parse and validate a `vtr` parameter value: a JSON array of vector strings (EIS §5.1.1).
 * Absent → the default vtr. Malformed JSON, an empty array, a non-string member or a vector not in
 * EIS Table 21 → `invalid_request`.
 * @param {string | undefined} raw
 * @returns {string[]}
 */
export function parseVtr(raw) {
  if (raw === undefined) return [...DEFAULT_VTR];
  let value;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new errors.InvalidRequest('vtr must be a JSON array of vector strings, e.g. ["P9.Cp.Cd"]');
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw new errors.InvalidRequest('vtr must be a non-empty JSON array of vector strings');
  }
  for (const vector of value) {
    if (typeof vector !== 'string' || !KNOWN_VECTORS.includes(vector)) {
      throw new errors.InvalidRequest(
        `vtr contains an unknown vector of trust: ${JSON.stringify(vector).slice(0, 40)}`,
      );
    }
  }
  return value;
}

/** Rank of a proofing level: P0 < P5 < P9. */
const rank = (level) => PROOFING_LEVELS.indexOf(level);
/** `"P9.Cp.Cd"` → `"P9"`. */
const levelOf = (vector) => vector.split('.')[0];

/**
 * Choose the vector of trust to return as `vot` for a patient.
 *
 * The returned value is always exactly one of the requested vectors (EIS §4.2, §5.1.4: it "MUST
 * match to one or more values of the requesting vtr"). A patient can satisfy a vector whose P level
 * is at or below their own `identity_proofing_level` (DOCS step-up-p5-p9: a P9 user is accepted
 * when P5 is asked for). The patient's own level is preferred, then the highest level below it;
 * among vectors of that level the first in request order wins. Every credential component (Cp, Cd,
 * Ck, Cm) is treated as satisfied: this provider has no real authenticators.
 *
 * @param {readonly string[]} vectors  requested vectors (already validated)
 * @param {'P0'|'P5'|'P9'} patientLevel
 * @returns {string | undefined}  undefined when no requested vector can be satisfied
 */
export function chooseVector(vectors, patientLevel) {
  const usable = vectors.filter((v) => rank(levelOf(v)) <= rank(patientLevel));
  if (usable.length === 0) return undefined;
  const best = Math.max(...usable.map((v) => rank(levelOf(v))));
  return usable.find((v) => rank(levelOf(v)) === best);
}

/**
 * The lowest proofing level among the requested vectors: where an uplift journey takes a patient
 * who meets none of them ("Client SHOULD only request the lowest level of acceptable Identity
 * Verification", EIS §5.1; DOCS testing-scenarios: P0 → P5, P0/P5 → P9).
 * @param {readonly string[]} vectors
 * @returns {'P0'|'P5'|'P9'}
 */
export function lowestLevel(vectors) {
  return PROOFING_LEVELS[Math.min(...vectors.map((v) => rank(levelOf(v))))];
}

// ---------------------------------------------------------------------------------------------
// Claims
// ---------------------------------------------------------------------------------------------

/**
 * Claims released for a patient, by scope (EIS Table 2; DOCS scopes-and-claims; reference §4).
 * `profile`, `basic_demographics`, `profile_extended` and `gp_registration_details` are "P5/P9"
 * only: a P0 account is not matched to PDS, so none of them is released for it.
 * @param {import('./patients.mjs').Patient} patient  as this provider instance sees them (uplift)
 * @param {Set<string>} scopes
 */
function scopeClaims(patient, scopes) {
  const claims = {};
  const verified = patient.identityProofingLevel !== 'P0';
  if (verified && scopes.has('profile')) {
    Object.assign(claims, {
      nhs_number: patient.nhsNumber,
      family_name: patient.familyName,
      birthdate: patient.birthdate,
      identity_proofing_level: patient.identityProofingLevel,
    });
  }
  if (verified && scopes.has('basic_demographics')) {
    Object.assign(claims, {
      family_name: patient.familyName,
      birthdate: patient.birthdate,
      identity_proofing_level: patient.identityProofingLevel,
    });
  }
  if (verified && scopes.has('profile_extended')) claims.given_name = patient.givenName;
  if (verified && scopes.has('gp_registration_details')) {
    claims.gp_registration_details = { gp_ods_code: patient.gpOdsCode };
  }
  if (scopes.has('email')) {
    Object.assign(claims, { email: patient.email, email_verified: patient.emailVerified });
  }
  if (scopes.has('phone')) {
    Object.assign(claims, {
      phone_number: patient.phoneNumber,
      phone_number_verified: patient.phoneNumberVerified,
      phone_number_pds_matched: verified && patient.phoneNumberPdsMatched,
    });
  }
  return claims;
}

/**
 * The scope claims that go in the ID token by default: the identity claims of EIS Table 16.
 * Every other claim (email, phone, given_name, GP details) comes from userinfo only (DOCS
 * scopes-and-claims: "make a request to the UserInfo endpoint to obtain any of the claims";
 * reference §7: email is not in the ID token).
 */
const ID_TOKEN_SCOPE_CLAIMS = Object.freeze([
  'nhs_number', 'family_name', 'birthdate', 'identity_proofing_level',
]);

/** The boolean claims that `verifiedAsStrings` turns into "true"/"false". */
const FLAG_CLAIMS = Object.freeze(['email_verified', 'phone_number_verified', 'phone_number_pds_matched']);

/**
 * The scope claims one response carries, after the profile switches: `idTokenClaims` (which go in
 * the ID token) and `verifiedAsStrings` (how the boolean flags are written).
 * @param {Record<string, unknown>} claims  from `scopeClaims`
 * @param {'id_token' | 'userinfo'} use
 * @param {Readonly<typeof PROFILE_DEFAULTS>} profile
 */
function releasedClaims(claims, use, profile) {
  const identityOnly = use === 'id_token' && profile.idTokenClaims === 'identity';
  const released = Object.fromEntries(Object.entries(claims)
    .filter(([name]) => !identityOnly || ID_TOKEN_SCOPE_CLAIMS.includes(name)));
  if (profile.verifiedAsStrings) {
    for (const name of FLAG_CLAIMS) if (name in released) released[name] = String(released[name]);
  }
  return released;
}

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

/**
 * Normalise the provider signing key: a private RSA JWK, a PEM (PKCS#8 or PKCS#1) string or a
 * KeyObject. Returns a private JWK with `kid`, `alg: RS512` and `use: sig`.
 */
function toSigningJwk(signingKey) {
  let jwk;
  if (signingKey === undefined) {
    // EIS §4.5 / reference §0 point 2: RS512 with RSA keys; 2048 bits like the RP keys.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    jwk = privateKey.export({ format: 'jwk' });
  } else if (typeof signingKey === 'string' || signingKey?.type === 'private') {
    jwk = createPrivateKey(signingKey).export({ format: 'jwk' });
  } else if (signingKey && typeof signingKey === 'object' && signingKey.kty) {
    jwk = { ...signingKey };
  } else {
    throw new TypeError('signingKey must be a private RSA JWK, a PEM string or a private KeyObject');
  }
  if (jwk.kty !== 'RSA' || !jwk.d) throw new TypeError('signingKey must be a private RSA key');
  if (Buffer.from(jwk.n, 'base64url').length < 256) {
    throw new TypeError('signingKey must be an RSA key of at least 2048 bits');
  }
  return { ...jwk, kid: jwk.kid ?? randomUUID(), alg: 'RS512', use: 'sig' };
}

/**
 * Generate a client key pair (RSA-2048, for RS512 client assertions, like the PEM a real client
 * gives NHS login: DOCS generating-pem).
 * @param {string} clientId
 */
export function generateClientKeys(clientId) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `${clientId}-${randomBytes(6).toString('hex')}`;
  const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS512', use: 'sig' };
  const privateJwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS512', use: 'sig' };
  return {
    kid,
    publicJwk,
    privateJwk,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }),
    jwks: { keys: [publicJwk] },
  };
}

// ---------------------------------------------------------------------------------------------
// Redirect URIs and the authorization response
// ---------------------------------------------------------------------------------------------

/** Hosts on which an `http` redirect URI is allowed, for development only (RFC 8252 §7.3). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Why a redirect URI is not acceptable, or `undefined` when it is. NHS login wants https and no
 * query string (EIS §7.3); a fragment is never allowed (RFC 6749 §3.1.2). This provider also
 * accepts http on a loopback host, for development.
 * @param {unknown} uri
 * @returns {string | undefined}
 */
export function redirectUriProblem(uri) {
  if (typeof uri !== 'string' || !URL.canParse(uri)) return 'is not an absolute URL';
  if (uri.includes('?')) return 'must not have a query string (EIS §7.3)';
  if (uri.includes('#')) return 'must not have a fragment (RFC 6749 §3.1.2)';
  const { protocol, hostname } = new URL(uri);
  if (protocol === 'https:' || (protocol === 'http:' && LOOPBACK_HOSTS.has(hostname))) return undefined;
  return 'must use https; http is allowed only on 127.0.0.1, [::1] or localhost (EIS §7.3)';
}

/**
 * Remove the RFC 9207 `iss` parameter, which oidc-provider adds to every authorization response,
 * from a redirect `Location` (query or fragment). EIS Tables 3–4: the redirect carries `code` and
 * `state` (or `error`, `error_description`, `error_uri`, `state`) only.
 * @param {string} location
 */
function withoutIssParameter(location) {
  const url = new URL(location);
  url.searchParams.delete('iss');
  if (url.hash) {
    const fragment = new URLSearchParams(url.hash.slice(1));
    fragment.delete('iss');
    url.hash = fragment.toString();
  }
  return url.href;
}

/** The userinfo errors RFC 6750 §3.1 puts in `WWW-Authenticate` (EIS Tables 12–13). */
const BEARER_ERRORS = new Set(['invalid_request', 'invalid_token', 'insufficient_scope']);

const SCOPE_TEXT = {
  openid: 'that you have an NHS login',
  profile: 'your NHS number, surname and date of birth',
  basic_demographics: 'your surname and date of birth',
  profile_extended: 'your first name',
  email: 'your email address',
  phone: 'your mobile phone number',
  gp_registration_details: 'the GP surgery you are registered with',
  client_metadata: 'a reference this service keeps with your NHS login',
};

// ---------------------------------------------------------------------------------------------
// The provider
// ---------------------------------------------------------------------------------------------

/**
 * @typedef {object} ClientRegistration
 * @property {string} client_id
 * @property {string[]} redirect_uris  exact-match redirect URIs (EIS §7.3)
 * @property {{ keys: object[] }} [jwks]  public RSA JWKs used to verify client assertions and
 *   `asserted_login_identity` JWTs. Omit it to have a key pair generated (returned in `clientKeys`).
 * @property {string} [scope]  space-separated scopes approved for this client; other known scopes
 *   then fail with `invalid_scope` (DOCS testing-scenarios). Omit to allow every supported scope.
 * @property {string} [client_name]  shown on the consent page
 */

/**
 * Start the provider on 127.0.0.1.
 *
 * @param {object} [options]
 * @param {number} [options.port=0]  0 picks a free port
 * @param {string} [options.host]  must be "127.0.0.1" if given; the provider never binds elsewhere
 * @param {ClientRegistration[]} [options.clients]  default: one client "test-client" with a generated
 *   key pair and redirect URI http://127.0.0.1:8080/callback
 * @param {object | string} [options.signingKey]  provider signing key (private RSA JWK, PEM or
 *   KeyObject); default: RSA-2048 generated now
 * @param {false | ((message: string) => void)} [options.log]  diagnostics sink; default: stderr
 * @param {boolean} [options.issParameter=false]  send RFC 9207 `iss` on the redirect back
 * @param {number} [options.accessTokenTtl=300]  access token lifetime in seconds (1–3600)
 * @param {'identity'|'all'} [options.idTokenClaims='identity']  scope claims in the ID token
 * @param {boolean} [options.verifiedAsStrings=false]  `*_verified` flags as "true"/"false"
 * @param {'token-endpoint'|'issuer-or-token-endpoint'} [options.assertionAudience='token-endpoint']
 *   what the client assertion `aud` must contain
 * @param {boolean} [options.uplift=true]  offer an uplift page to a patient below the requested level
 * @returns {Promise<{
 *   issuer: string, url: string, port: number, close: () => Promise<void>,
 *   clientKeys?: Record<string, ReturnType<typeof generateClientKeys>>,
 *   endpoints: Record<string, string>, provider: Provider, patients: typeof patientList,
 *   profile: Readonly<typeof PROFILE_DEFAULTS>,
 * }>}
 * @throws {Error} on a bad option, including a redirect URI NHS login would not register
 */
export async function startProvider(options = {}) {
  const { port: requestedPort = 0, host, signingKey, log: logOption } = options;
  if (host !== undefined && host !== HOST) {
    throw new Error(`the test provider only binds to ${HOST} (got host ${host})`);
  }
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
    throw new RangeError('port must be an integer between 0 and 65535');
  }
  const profile = resolveProfile(options);
  const log = logOption === false ? () => {}
    : logOption ?? ((message) => process.stderr.write(`[nhs-login-provider] ${message}\n`));

  // --- Clients -------------------------------------------------------------------------------
  const clientKeys = {};
  const registrations = (options.clients?.length ? options.clients : [{
    client_id: 'test-client',
    redirect_uris: ['http://127.0.0.1:8080/callback'],
  }]).map((c) => {
    if (!c?.client_id || !Array.isArray(c.redirect_uris) || c.redirect_uris.length === 0) {
      throw new TypeError('each client needs client_id and a non-empty redirect_uris array');
    }
    for (const uri of c.redirect_uris) {
      const problem = redirectUriProblem(uri);
      if (problem) throw new Error(`client ${c.client_id}: redirect_uri ${uri} ${problem}`);
    }
    let { jwks } = c;
    if (!jwks) {
      clientKeys[c.client_id] = generateClientKeys(c.client_id);
      jwks = clientKeys[c.client_id].jwks;
    }
    if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) {
      throw new TypeError(`client ${c.client_id}: jwks.keys must be a non-empty array`);
    }
    for (const key of jwks.keys) {
      if (key.kty !== 'RSA' || key.d !== undefined) {
        throw new TypeError(`client ${c.client_id}: jwks must hold public RSA keys only`);
      }
    }
    return {
      client_id: c.client_id,
      ...(c.client_name ? { client_name: c.client_name } : {}),
      redirect_uris: [...c.redirect_uris], // exact match (EIS §7.3; checked above)
      jwks: { keys: jwks.keys.map((k) => ({ ...k })) },
      ...(c.scope ? { scope: c.scope } : {}),
      // Code flow only, confidential clients only, private_key_jwt with RS512 (EIS §2.1, §3.2.2,
      // §7.2.1; reference §0 points 1–2).
      response_types: ['code'],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'RS512',
      id_token_signed_response_alg: 'RS512',
    };
  });
  const registeredJwks = new Map(registrations.map((c) => [c.client_id, c.jwks]));
  const signingJwk = toSigningJwk(signingKey);
  // The NHS App as RP1 (APPDOCS web integration): it signs the one-time `assertedLoginIdentity` it
  // opens a service with. It is not an OpenID client of this provider, only a key NHS login knows.
  const nhsAppKeys = generateClientKeys(NHS_APP_CLIENT_ID);
  registeredJwks.set(NHS_APP_CLIENT_ID, nhsAppKeys.jwks);
  const nhsAppSigningKey = await importJWK(nhsAppKeys.privateJwk, 'RS512');

  // --- In-memory state that oidc-provider does not keep for us -----------------------------------
  /** ID token jti → { accountId, clientId, exp } (for asserted_login_identity `code`). */
  const issuedIdTokens = new Map();
  /** jti of asserted_login_identity JWTs already used → exp (one-time use, EIS Table 1). */
  const usedSsoJtis = new Map();
  /** `${accountId}\n${clientId}` → grantId, so consent given once is found again from any session. */
  const grantIndex = new Map();
  /**
   * Proofing levels raised by an uplift journey in this provider instance: sub → level. The shared
   * patient fixtures are never changed, so two providers in one process do not affect each other.
   */
  const upliftedLevels = new Map();
  /** Interaction uid → { sub, exp } of a patient who signed in and now sees the uplift page. */
  const pendingUplifts = new Map();
  /** `${sub}\n${clientId}` → the `client_user_metadata` the client holds for that patient (EIS §3.6.3). */
  const clientMetadata = new Map();
  const now = () => Math.floor(Date.now() / 1000);
  const prune = (map, expOf) => {
    const t = now();
    for (const [k, v] of map) if (expOf(v) < t) map.delete(k);
  };
  /**
   * A patient (by short id or `sub`) as this provider instance sees them: with the proofing level
   * an uplift gave them, if any.
   * @param {string | undefined} idOrSub
   */
  /** Patients created by the registration journey in this provider instance: sub → patient. */
  const registered = new Map();
  const patientHere = (idOrSub) => {
    const patient = findPatient(idOrSub) ?? (typeof idOrSub === 'string' ? registered.get(idOrSub) : undefined);
    const level = patient && upliftedLevels.get(patient.sub);
    return level ? Object.freeze({ ...patient, identityProofingLevel: level }) : patient;
  };

  // --- HTTP server first: the issuer contains the port -------------------------------------------
  let provider;
  let providerCallback;
  const server = createServer((req, res) => {
    if (!providerCallback) {
      res.statusCode = 503;
      res.end('starting');
      return;
    }
    const { pathname } = new URL(req.url, 'http://127.0.0.1');
    const own = journeys.route(req.method, pathname);
    if (own) {
      own(req, res).catch((err) => {
        log(`error on ${pathname}: ${redact(err.stack ?? err)}`);
        if (!res.headersSent) sendHtml(res, 500, page('Something went wrong', '<h1>Something went wrong</h1>'));
        else res.end();
      });
      return;
    }
    if (pathname === '/interaction' || pathname.startsWith('/interaction/')) {
      handleInteraction(req, res, pathname).catch((err) => {
        const status = err.status ?? err.statusCode ?? 500;
        if (status >= 500) log(`interaction error: ${redact(err.stack ?? err)}`);
        if (!res.headersSent) {
          sendHtml(res, status, page('Something went wrong', `<div class="error"><h1>Something went wrong</h1>
<p>${escapeHtml(err.error_description ?? err.message)}</p></div>`));
        } else {
          res.end();
        }
      });
      return;
    }
    providerCallback(req, res);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(requestedPort, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address();
  const issuer = `http://${HOST}:${port}`; // no trailing slash, like NHS login (reference §1.3)
  const vtm = `${issuer}/trustmark/${HOST}:${port}`; // EIS §4.2: https://<host>/trustmark/<host>

  // --- Interaction policy ------------------------------------------------------------------------
  const { Check, base } = interactionPolicy;
  const policy = base();
  const login = policy.get('login');
  // NHS login does not support max_age (EIS Table 1: "Not currently supported"); ignore it.
  login.checks.remove('max_age');
  // The session's patient must be able to satisfy the requested vtr, otherwise the user signs in
  // again (EIS §5.1.6.4). As a side effect the chosen vector is stored as the session's `acr`;
  // oidc-provider copies it into the authorization code and refresh token, where `findAccount`
  // reads it back to emit `vot`.
  login.checks.add(new Check(
    'vtr_not_satisfied',
    'the signed-in patient cannot satisfy the requested vectors of trust',
    (ctx) => {
      const { session, params } = ctx.oidc;
      if (!session.accountId) return Check.NO_NEED_TO_PROMPT; // `no_session` covers this
      // A patient below the level is asked to sign in again, then offered the uplift page. With
      // prompt=none no page can be shown, so this ends in sso_login_required (below).
      const patient = patientHere(session.accountId);
      const vot = patient && chooseVector(parseVtr(params.vtr), patient.identityProofingLevel);
      if (!vot) return Check.REQUEST_PROMPT;
      if (session.acr !== vot) session.acr = vot;
      return Check.NO_NEED_TO_PROMPT;
    },
  ));
  // prompt=none when the user would have to sign in: NHS login answers `sso_login_required`
  // (EIS Table 5, added in v1.13), where oidc-provider would say `login_required`.
  for (const check of login.checks) check.error = 'sso_login_required';

  // --- Account model -----------------------------------------------------------------------------
  async function findAccount(ctx, sub) {
    const patient = patientHere(sub);
    if (!patient || patient.sub !== sub) return undefined;
    return {
      accountId: patient.sub,
      async claims(use, scope) {
        const scopes = new Set(String(scope ?? '').split(' '));
        const claims = {
          sub: patient.sub,
          ...releasedClaims(scopeClaims(patient, scopes), use, profile),
        };
        if (use === 'id_token') {
          // EIS Table 16: vot, vtm, jti are mandatory; identity_proofing_level "shall be included".
          const source = ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken;
          const vot = source?.acr;
          const jti = randomUUID();
          prune(issuedIdTokens, (v) => v.exp);
          issuedIdTokens.set(jti, {
            accountId: patient.sub,
            clientId: ctx.oidc.client.clientId,
            exp: now() + TTL.IdToken,
          });
          Object.assign(claims, {
            jti, vtm, identity_proofing_level: patient.identityProofingLevel,
          });
          if (vot) claims.vot = vot;
        } else {
          // Userinfo carries iss and aud as well as sub (EIS §3.6.2).
          claims.iss = issuer;
          claims.aud = ctx.oidc.client.clientId;
          // EIS Table 11.2: `client_user_metadata` with the client_metadata scope; "If no value is
          // held for the RP then this claim is not returned".
          const held = clientMetadata.get(`${patient.sub}\n${ctx.oidc.client.clientId}`);
          if (scopes.has('client_metadata') && held !== undefined) claims.client_user_metadata = held;
        }
        return claims;
      },
    };
  }

  // --- asserted_login_identity (EIS Table 1; DOCS single-sign-on; reference §9) ------------------
  const ssoError = (why) => new errors.InvalidRequest(`asserted_login_identity rejected: ${why}`);
  async function verifyAssertedLoginIdentity(jwt) {
    let header;
    let unverified;
    try {
      header = decodeProtectedHeader(jwt);
      unverified = decodeJwt(jwt);
    } catch {
      throw ssoError('not a JWT');
    }
    if (header.alg !== 'RS512') throw ssoError('must be signed with RS512');
    const jwks = typeof unverified.iss === 'string' ? registeredJwks.get(unverified.iss) : undefined;
    if (!jwks) throw ssoError('iss is not a registered client_id');
    let payload;
    try {
      ({ payload } = await jwtVerify(jwt, createLocalJWKSet(jwks), {
        algorithms: ['RS512'],
        issuer: unverified.iss,
        clockTolerance: CLOCK_TOLERANCE,
        requiredClaims: ['exp', 'jti'],
      }));
    } catch (cause) {
      throw ssoError(`signature or claims invalid (${cause.code ?? cause.message})`);
    }
    if (payload.exp > now() + SSO_JWT_MAX_LIFETIME + CLOCK_TOLERANCE) {
      throw ssoError(`exp must be at most ${SSO_JWT_MAX_LIFETIME} s ahead`);
    }
    if (typeof payload.jti !== 'string' || payload.jti.length === 0) throw ssoError('jti missing');
    prune(usedSsoJtis, (exp) => exp);
    const replayKey = `${payload.iss}\n${payload.jti}`;
    if (usedSsoJtis.has(replayKey)) throw ssoError('already used (one-time JWT)');
    const idToken = typeof payload.code === 'string' ? issuedIdTokens.get(payload.code) : undefined;
    if (!idToken || idToken.exp < now()) {
      throw ssoError('code is not the jti of a current ID token issued by this provider');
    }
    if (idToken.clientId !== payload.iss) {
      throw ssoError('code is the jti of an ID token issued to a different client');
    }
    usedSsoJtis.set(replayKey, payload.exp + CLOCK_TOLERANCE);
    return idToken.accountId;
  }

  // --- Provider configuration ----------------------------------------------------------------------
  const configuration = {
    clients: registrations,
    jwks: { keys: [signingJwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    routes: { ...ROUTES },
    scopes: SCOPES,
    // Claim names per scope. They feed `claims_supported`; `findAccount` decides what is released.
    claims: {
      auth_time: null,
      openid: ['sub', 'iss', 'aud', 'exp', 'iat', 'jti', 'nonce', 'vot', 'vtm',
        'identity_proofing_level'],
      profile: ['nhs_number', 'family_name', 'birthdate', 'identity_proofing_level'],
      basic_demographics: ['family_name', 'birthdate', 'identity_proofing_level'],
      profile_extended: ['given_name'],
      client_metadata: ['client_user_metadata'],
      email: ['email', 'email_verified'],
      phone: ['phone_number', 'phone_number_verified', 'phone_number_pds_matched'],
      gp_registration_details: ['gp_registration_details'],
    },
    // NHS login puts the identity scope claims (nhs_number, family_name, birthdate) in the ID token
    // too (EIS Table 16), so oidc-provider must not hold scope claims back for userinfo;
    // `releasedClaims` decides which of them each response carries (switch `idTokenClaims`).
    conformIdTokenClaims: false,
    findAccount,
    responseTypes: ['code'], // EIS §3.4.1: code flow only
    pkce: { required: () => true }, // S256 is the only method oidc-provider v9 accepts
    clientAuthMethods: ['private_key_jwt'], // EIS §7.2.1
    enabledJWA: {
      clientAuthSigningAlgValues: ['RS512'],
      idTokenSigningAlgValues: ['RS512'],
      requestObjectSigningAlgValues: ['RS512'],
      userinfoSigningAlgValues: ['RS512'],
    },
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      id_token_signed_response_alg: 'RS512',
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'RS512',
    },
    // EIS Table 1: redirect_uri is mandatory even when only one is registered.
    allowOmittingSingleRegisteredRedirectUri: false,
    clockTolerance: CLOCK_TOLERANCE,
    // EIS Table 6: the client assertion `aud` "MUST contain the token endpoint URL". oidc-provider
    // also accepts the issuer alone; refuse that unless `assertionAudience` allows it. Runs after
    // the signature check, before the jti is recorded.
    async assertJwtClientAuthClaimsAndHeader(ctx, claims) {
      if (profile.assertionAudience === 'issuer-or-token-endpoint') return;
      const tokenEndpoint = ctx.oidc.urlFor('token');
      if (![claims.aud].flat().includes(tokenEndpoint)) {
        throw new errors.InvalidClientAuth(
          `aud (JWT audience) must contain the token endpoint URL ${tokenEndpoint} (EIS Table 6)`,
        );
      }
    },
    extraParams: {
      // EIS Table 1: state and nonce are mandatory.
      state(ctx, value) {
        if (!value) throw new errors.InvalidRequest('state is required (EIS Table 1)');
      },
      nonce(ctx, value) {
        if (!value) throw new errors.InvalidRequest('nonce is required (EIS Table 1)');
      },
      scope(ctx, value) {
        if (!String(value ?? '').split(' ').includes('openid')) {
          throw new errors.InvalidRequest('scope must contain openid (EIS Table 1)');
        }
      },
      vtr(ctx, value) {
        parseVtr(value); // throws invalid_request for a malformed or unknown vtr
      },
      // Accepted and ignored: the NHS login UI hides registration links when false.
      allow_registration: null,
      async asserted_login_identity(ctx, value) {
        if (value === undefined) return;
        const accountId = await verifyAssertedLoginIdentity(value);
        // NHS App entry (prompt=none): no page may be shown, so a patient below the requested level
        // cannot be asked to prove their identity here: sso_login_required (EIS Table 5). A step-up
        // (no prompt=none) goes on to the uplift page instead.
        const level = patientHere(accountId)?.identityProofingLevel;
        if (ctx.oidc.params.prompt === 'none' && !chooseVector(parseVtr(ctx.oidc.params.vtr), level)) {
          throw new errors.CustomOIDCProviderError('sso_login_required', 'the patient cannot meet the requested vtr without signing in');
        }
        // Sign that patient in silently: no login page.
        ctx.oidc.session.loginAccount({ accountId, loginTs: now() });
        // The NHS App sends prompt=none with the assertion, yet NHS login can still show its consent
        // page (a refusal comes back as access_denied/ConsentNotGiven, APPDOCS). Dropping
        // prompt=none here lets the consent page appear when consent has not been given before.
        if (ctx.oidc.params.prompt === 'none') ctx.oidc.params.prompt = undefined;
      },
    },
    // Consent given once is found again, for this patient and client, from any browser session.
    async loadExistingGrant(ctx) {
      const accountId = ctx.oidc.account?.accountId ?? ctx.oidc.session.accountId;
      const { clientId } = ctx.oidc.client;
      const candidates = [
        ctx.oidc.result?.consent?.grantId,
        ctx.oidc.session.grantIdFor(clientId),
        grantIndex.get(`${accountId}\n${clientId}`),
      ];
      for (const grantId of candidates) {
        if (!grantId) continue;
        const grant = await ctx.oidc.provider.Grant.find(grantId);
        if (grant && grant.accountId === accountId && grant.clientId === clientId) return grant;
      }
      return undefined;
    },
    interactions: {
      policy,
      url: (ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    // Refresh tokens for every client allowed the grant, no offline_access needed (EIS Table 6).
    issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Tokens outlive the browser session: NHS login has no session management (EIS §2.2).
    expiresWithSession: async () => false,
    // EIS: the refresh grant takes "the latest valid refresh token", which suggests rotation.
    rotateRefreshToken: () => true,
    ttl: {
      AccessToken: profile.accessTokenTtl, // EIS Table 18: 5 minutes (switch `accessTokenTtl`)
      AuthorizationCode: TTL.AuthorizationCode,
      IdToken: TTL.IdToken,
      RefreshToken: TTL.RefreshToken,
      Session: TTL.Session,
      Interaction: TTL.Interaction,
      Grant: TTL.Grant,
    },
    // The EIS says /token and /userinfo are "consumed by a secure Service's backend" (§3.3) and
    // whether NHS login sends CORS headers is unconfirmed (reference §0 point 9, §12). Refuse
    // browser (cross-origin) calls to both, so that a client that only works thanks to CORS fails
    // here too. Discovery and JWKS keep oidc-provider's open CORS.
    clientBasedCORS: () => false,
    features: {
      devInteractions: { enabled: false }, // its pages load web fonts; ours are below
      pushedAuthorizationRequests: { enabled: false },
      dPoP: { enabled: false },
      rpInitiatedLogout: { enabled: false }, // NHS login has no logout (EIS §2.2)
      introspection: { enabled: false },
      revocation: { enabled: false },
      registration: { enabled: false },
      resourceIndicators: { enabled: false },
      claimsParameter: { enabled: false },
      userinfo: { enabled: true },
    },
    async renderError(ctx, out) {
      // Userinfo errors are never a page: `bearerErrorsInHeaderOnly` moves them to WWW-Authenticate
      // and other errors stay JSON (EIS Tables 12–13).
      if (ctx.oidc?.route === 'userinfo') {
        ctx.body = out;
        return;
      }
      ctx.type = 'html';
      ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
      ctx.body = page('Error', `<div class="error"><h1>Sorry, there is a problem</h1>
<p><strong>${escapeHtml(out.error)}</strong>: ${escapeHtml(out.error_description ?? '')}</p></div>`);
    },
  };

  try {
    provider = new Provider(issuer, configuration);
  } catch (err) {
    await new Promise((resolve) => { server.close(resolve); });
    throw err;
  }

  // Diagnostics. Client-assertion failures all read `invalid_client`: log the cause, never the
  // assertion or any token.
  const describe = (err) => [
    err.error ?? err.name,
    err.error_description && `(${err.error_description})`,
    err.error_detail && `cause: ${err.error_detail}`,
  ].filter(Boolean).join(' ');
  const clientOf = (ctx) => ctx?.oidc?.client?.clientId ?? ctx?.oidc?.params?.client_id ?? '?';
  provider.on('grant.error', (ctx, err) => {
    log(redact(`token endpoint error for client ${clientOf(ctx)}: ${describe(err)}`));
  });
  provider.on('authorization.error', (ctx, err) => {
    log(redact(`authorization error for client ${clientOf(ctx)}: ${describe(err)}`));
  });
  provider.on('userinfo.error', (ctx, err) => {
    log(redact(`userinfo error: ${describe(err)}`));
  });
  provider.on('server_error', (ctx, err) => {
    log(redact(`server error on ${ctx?.path ?? '?'}: ${describe(err)} ${err.stack ?? ''}`));
  });

  // --- Middleware around oidc-provider's routes (outermost first) -------------------------------

  /**
   * EIS §7.3: a redirect_uri NHS login would never register (query string, fragment, http off
   * loopback) gets the error page, with no redirect, before oidc-provider even compares it with
   * the registered ones.
   */
  async function refuseUnregistrableRedirectUri(ctx, next) {
    const redirectUri = ctx.path === ROUTES.authorization ? ctx.query.redirect_uri : undefined;
    const problem = typeof redirectUri === 'string' ? redirectUriProblem(redirectUri) : undefined;
    if (!problem) return next();
    const out = { error: 'invalid_redirect_uri', error_description: `redirect_uri ${problem}` };
    log(redact(`authorization error for client ${ctx.query.client_id ?? '?'}: ${describe(out)}`));
    ctx.status = 400;
    return configuration.renderError(ctx, out);
  }

  /**
   * EIS Tables 3–4: the redirect back carries no RFC 9207 `iss`, which oidc-provider always adds;
   * discovery then does not claim `authorization_response_iss_parameter_supported` either.
   */
  async function dropIssParameter(ctx, next) {
    await next();
    const route = ctx.oidc?.route;
    if (route === 'discovery' && ctx.body && typeof ctx.body === 'object') {
      delete ctx.body.authorization_response_iss_parameter_supported;
      return;
    }
    if (route !== 'authorization' && route !== 'resume') return;
    const location = ctx.response.get('Location');
    if (/[?#&]iss=/.test(location)) ctx.set('Location', withoutIssParameter(location));
    // response_mode=form_post (not an NHS login feature) carries it as a hidden input instead.
    if (typeof ctx.body === 'string') ctx.body = ctx.body.replace(/<input type="hidden" name="iss" [^>]*>\n?/, '');
  }

  /**
   * EIS §3.6.2.2, Tables 12–13; RFC 6750 §3.1: a bearer-token error at userinfo (missing, expired
   * or invalid token → 401 invalid_token; 400 invalid_request; 403 insufficient_scope) is told in
   * `WWW-Authenticate` only, with no body. oidc-provider sends a JSON body as well, and only a realm
   * when no token was sent at all.
   */
  async function bearerErrorsInHeaderOnly(ctx, next) {
    await next();
    if (ctx.oidc?.route !== 'userinfo' || !BEARER_ERRORS.has(ctx.body?.error)) return;
    const { status } = ctx;
    ctx.set('WWW-Authenticate', bearerChallenge(ctx.body));
    ctx.remove('Content-Type');
    ctx.body = null; // Koa sends an explicit null body as no body at all…
    ctx.status = status; // …after turning the status into 204, so restore it
  }

  /** Token responses and errors as NHS login gives them. */
  async function tokenResponseLikeNhsLogin(ctx, next) {
    await next();
    if (ctx.oidc?.route !== 'token' || !ctx.body || typeof ctx.body !== 'object') return;
    // NHS login returns an ID token only for grant_type=authorization_code (EIS §3.5; reference §6).
    if (ctx.oidc.params?.grant_type === 'refresh_token' && 'id_token' in ctx.body) {
      delete ctx.body.id_token;
    }
    // oidc-provider finds the client from the assertion's `sub` and answers a `client_id` that
    // differs with invalid_request. EIS Table 6 requires iss = sub = client_id, and a failed
    // assertion check is invalid_client (EIS Table 10), so report it as such.
    if (ctx.status === 400 && ctx.body.error === 'invalid_request'
      && ctx.body.error_description === 'client_id mismatch') {
      ctx.status = 401;
      ctx.body = { error: 'invalid_client', error_description: 'client authentication failed' };
    }
  }

  // oidc-provider lets its own access tokens work for `clockTolerance` (5 s, meant for clients'
  // JWTs) past their `exp`. NHS login's access token is dead at `exp` (EIS Table 18), so a test can
  // use `accessTokenTtl: 2` and a 3 s wait to exercise an expired token at userinfo.
  const { AccessToken } = provider;
  const findAccessToken = AccessToken.find.bind(AccessToken);
  AccessToken.find = async (value, findOptions) => {
    const token = await findAccessToken(value, findOptions);
    return token?.isExpired && !findOptions?.ignoreExpiration ? undefined : token;
  };

  provider.use(refuseUnregistrableRedirectUri);
  if (!profile.issParameter) provider.use(dropIssParameter);
  provider.use(bearerErrorsInHeaderOnly);
  provider.use(tokenResponseLikeNhsLogin);

  // Issue 12's journeys: PATCH /userinfo, the settings page, the NHS App hand-off (journeys.mjs).
  const journeys = createJourneyRoutes({
    provider, issuer, userinfoPath: ROUTES.userinfo, registrations, registeredJwks, clientMetadata, issuedIdTokens,
    verifyAssertedLoginIdentity, patientHere, nhsAppSigningKey, idTokenTtl: TTL.IdToken,
    ssoMaxLifetime: SSO_JWT_MAX_LIFETIME, prune, now, log,
  });
  providerCallback = provider.callback();

  // --- Login, uplift and consent pages -----------------------------------------------------------
  const httpError = (status, message) => Object.assign(new Error(message), { status });

  /**
   * Which page an interaction is on: oidc-provider's prompt (`login` or `consent`), or `uplift`
   * between the login and the end of the login prompt.
   */
  function stepOf(details) {
    prune(pendingUplifts, (v) => v.exp);
    if (details.prompt.name === 'login' && pendingUplifts.has(details.uid)) return 'uplift';
    // Step-up (DOCS step-up-p5-p9): a new request with higher vectors and an
    // `asserted_login_identity` signs the same patient in without a password; being below the level,
    // they go straight to the uplift page, not the login page.
    const stepUpSub = details.session?.accountId;
    if (details.prompt.name === 'login' && profile.uplift && details.params.asserted_login_identity && stepUpSub
      && details.prompt.reasons.includes('vtr_not_satisfied') && !details.prompt.reasons.includes('login_prompt')) {
      pendingUplifts.set(details.uid, { sub: stepUpSub, exp: now() + TTL.Interaction });
      return 'uplift';
    }
    return details.prompt.name;
  }

  async function handleInteraction(req, res, pathname) {
    const match = /^\/interaction\/([\w-]+)(?:\/(login|uplift|consent))?$/.exec(pathname);
    if (!match) {
      sendHtml(res, 404, page('Not found', '<h1>Page not found</h1>'));
      return;
    }
    const [, uid, action] = match;
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw httpError(400, 'this sign-in page does not belong to the current request');
    const step = stepOf(details);

    if (req.method === 'GET' && !action) {
      const render = { login: loginPage, uplift: upliftPage, consent: consentPage }[step];
      if (!render) throw httpError(500, `unexpected prompt ${step}`);
      sendHtml(res, 200, render(details));
      return;
    }
    if (req.method !== 'POST' || !action) {
      res.setHeader('Allow', action ? 'POST' : 'GET');
      sendHtml(res, 405, page('Method not allowed', '<h1>Method not allowed</h1>'));
      return;
    }
    if (action !== step) throw httpError(400, `this request is waiting for ${step}, not ${action}`);
    const form = await readForm(req);
    await { login: submitLogin, uplift: submitUplift, consent: submitConsent }[action](req, res, details, form);
  }

  async function submitLogin(req, res, details, form) {
    // "Create an NHS login" (DOCS testing-scenarios, "Registration"): a new patient at P0, who then
    // proves their identity to the requested level on the uplift page.
    if (form.get('patient') === 'new') {
      const created = newPatient(registered.size + 1, randomUUID());
      registered.set(created.sub, created);
      form.set('patient', created.sub);
    }
    const patient = patientHere(form.get('patient') ?? undefined);
    if (!patient) {
      sendHtml(res, 400, loginPage(details, 'Choose one of the test patients.'));
      return;
    }
    const vot = chooseVector(parseVtr(details.params.vtr), patient.identityProofingLevel);
    if (vot) {
      await finishLogin(req, res, details, patient, vot);
    } else if (profile.uplift) {
      // Below every requested vector: NHS login asks the user to prove their identity to the
      // requested level, then returns them to the service (DOCS testing-scenarios, "Login").
      pendingUplifts.set(details.uid, { sub: patient.sub, exp: now() + TTL.Interaction });
      seeOther(res, `/interaction/${details.uid}`);
    } else {
      // Switch `uplift: false`: end the request instead.
      await provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: `patient identity_proofing_level ${patient.identityProofingLevel} cannot satisfy the requested vtr`,
      }, { mergeWithLastSubmission: false });
    }
  }

  async function submitUplift(req, res, details, form) {
    if (form.get('decision') !== 'uplift') {
      sendHtml(res, 400, upliftPage(details, 'Choose Continue to prove your identity.'));
      return;
    }
    const vectors = parseVtr(details.params.vtr);
    const { sub } = pendingUplifts.get(details.uid);
    pendingUplifts.delete(details.uid);
    // For the rest of this provider instance's life: the identity check is not repeated.
    upliftedLevels.set(sub, lowestLevel(vectors));
    const patient = patientHere(sub);
    await finishLogin(req, res, details, patient, chooseVector(vectors, patient.identityProofingLevel));
  }

  /** End the login prompt: `patient` is signed in and `vot` becomes the session's `acr`. */
  async function finishLogin(req, res, details, patient, vot) {
    const returnTo = await provider.interactionResult(req, res, {
      login: { accountId: patient.sub, acr: vot, remember: true },
    }, { mergeWithLastSubmission: false });
    if (details.session?.uid && details.session.accountId && details.session.accountId !== patient.sub) {
      // Switching patient (prompt=login, or a session that cannot meet the vtr): sign the old one
      // out of this browser session. oidc-provider would otherwise start an RP-initiated-logout
      // confirmation, which is disabled here because NHS login has no logout. This must happen
      // after interactionResult, which refuses to run once the session's principal has changed.
      const session = await provider.Session.findByUid(details.session.uid);
      if (session) {
        for (const key of ['accountId', 'acr', 'amr', 'loginTs', 'authorizations']) delete session[key];
        await session.persist();
      }
    }
    seeOther(res, returnTo);
  }

  async function submitConsent(req, res, details, form) {
    const { prompt, params } = details;
    const decision = form.get('decision');
    if (decision === 'deny') {
      // "I do not want to use my NHS login" (APPDOCS web-integration-step-by-step; DOCS
      // no-consent-guidance).
      await provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: 'ConsentNotGiven',
      }, { mergeWithLastSubmission: false });
      return;
    }
    if (decision !== 'allow') {
      sendHtml(res, 400, consentPage(details, 'Choose Continue or "I do not want to use my NHS login".'));
      return;
    }
    const accountId = details.session?.accountId;
    const clientId = params.client_id;
    let grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    if (!grant) grant = new provider.Grant({ accountId, clientId });
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    if (missingResourceScopes) {
      for (const [indicator, scopes] of Object.entries(missingResourceScopes)) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
    }
    const grantId = await grant.save();
    grantIndex.set(`${accountId}\n${clientId}`, grantId);
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  function clientLabel(clientId) {
    const reg = registrations.find((c) => c.client_id === clientId);
    return reg?.client_name ?? clientId;
  }

  /** The requested vectors for a page; an invalid vtr never gets this far, but pages must not fail. */
  function pageVectors(params) {
    try {
      return parseVtr(params.vtr);
    } catch {
      return [...DEFAULT_VTR];
    }
  }

  const errorBox = (message) => (message
    ? `<div class="error" role="alert"><p>${escapeHtml(message)}</p></div>\n` : '');

  function loginHint(patient, vectors) {
    const level = patient.identityProofingLevel;
    const vot = chooseVector(vectors, level);
    if (vot) return `Identity proofing level ${level}. NHS number ${patient.nhsNumber}. Meets the request as ${vot}.`;
    if (profile.uplift) {
      return `Identity proofing level ${level}. Below the requested vectors of trust: this patient will be asked to prove their identity (to ${lowestLevel(vectors)}) and then continue.`;
    }
    return `Identity proofing level ${level}. Does not meet the requested vectors of trust: choosing this patient returns error=access_denied.`;
  }

  function loginPage(details, errorMessage) {
    const { uid, params, session } = details;
    const vectors = pageVectors(params);
    const shown = patientList.map((p) => patientHere(p.sub));
    const firstOk = shown.find((p) => chooseVector(vectors, p.identityProofingLevel));
    const options = shown.map((p) => `<div class="option">
<input type="radio" id="patient-${p.id}" name="patient" value="${p.id}" aria-describedby="hint-${p.id}"${p === firstOk ? ' checked' : ''} required>
<label for="patient-${p.id}">${escapeHtml(p.label)}</label>
<span class="hint" id="hint-${p.id}">${escapeHtml(loginHint(p, vectors))}</span>
</div>`).join('\n');
    const current = session?.accountId ? patientHere(session.accountId) : undefined;
    return page('Choose a test patient', `${errorBox(errorMessage)}<h1>Choose a test patient</h1>
<p>${escapeHtml(clientLabel(params.client_id))} wants you to sign in with NHS login. This local test
provider has no passwords: pick a patient and continue.</p>
<p>Requested vectors of trust: <code>${escapeHtml(JSON.stringify(vectors))}</code></p>
${current ? `<p>Currently signed in: ${escapeHtml(current.label.replace(/^Sign in as /, ''))}.</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<fieldset>
<legend>Test patient</legend>
${options}
<div class="option">
<input type="radio" id="patient-new" name="patient" value="new" aria-describedby="hint-new">
<label for="patient-new">Create an NHS login (register a new patient)</label>
<span class="hint" id="hint-new">A new patient with e-mail and mobile number verified (P0). ${escapeHtml(
    chooseVector(vectors, 'P0') ? 'Meets the request as P0.' : `They then prove their identity (to ${lowestLevel(vectors)}).`,
  )}</span>
</div>
</fieldset>
<button type="submit" class="primary">Continue</button>
</form>`);
  }

  function upliftPage(details, errorMessage) {
    const { uid, params } = details;
    const vectors = pageVectors(params);
    const patient = patientHere(pendingUplifts.get(uid).sub);
    const target = lowestLevel(vectors);
    return page('Prove who you are to continue', `${errorBox(errorMessage)}<h1>Prove who you are to continue</h1>
<p>${escapeHtml(clientLabel(params.client_id))} needs identity proofing level ${escapeHtml(target)}
(<code>${escapeHtml(JSON.stringify(vectors))}</code>).
${escapeHtml(`${patient.givenName} ${patient.familyName}`)} is at level ${escapeHtml(patient.identityProofingLevel)}.</p>
<p>This local test provider has no identity checks: Continue raises this patient to ${escapeHtml(target)}
for as long as the provider runs, and returns to the service.</p>
<form method="post" action="/interaction/${escapeHtml(uid)}/uplift">
<button type="submit" class="primary" name="decision" value="uplift">Continue</button>
</form>`);
  }

  function consentPage(details, errorMessage) {
    const { uid, params } = details;
    const scopes = String(params.scope ?? '').split(' ').filter((s) => SCOPE_TEXT[s]);
    const items = scopes.map((s) => `<li>${escapeHtml(SCOPE_TEXT[s])} <code>${escapeHtml(s)}</code></li>`).join('\n');
    return page('Share your NHS login information', `${errorBox(errorMessage)}<h1>Share your NHS login information with ${escapeHtml(clientLabel(params.client_id))}</h1>
<p>${escapeHtml(clientLabel(params.client_id))} will be able to see:</p>
<ul>
${items}
</ul>
<form method="post" action="/interaction/${escapeHtml(uid)}/consent">
<button type="submit" class="primary" name="decision" value="allow">Continue</button>
<button type="submit" class="secondary" name="decision" value="deny">I do not want to use my NHS login</button>
</form>`);
  }

  // --- Result --------------------------------------------------------------------------------------
  let closing;
  return {
    issuer,
    url: issuer,
    port,
    endpoints: {
      discovery: `${issuer}/.well-known/openid-configuration`,
      jwks: `${issuer}${ROUTES.jwks}`,
      authorization: `${issuer}${ROUTES.authorization}`,
      token: `${issuer}${ROUTES.token}`,
      userinfo: `${issuer}${ROUTES.userinfo}`,
      settings: `${issuer}/settings`,
      nhsApp: `${issuer}/nhs-app`,
    },
    ...(Object.keys(clientKeys).length ? { clientKeys } : {}),
    patients: patientList,
    profile,
    provider,
    close() {
      closing ??= new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
