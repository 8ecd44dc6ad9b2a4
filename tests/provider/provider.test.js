// End-to-end tests of the local NHS-login-like provider, driven with plain fetch (manual redirects,
// a hand-made cookie jar) and WebCrypto. Run: node --test tests/provider/provider.test.js

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import {
  DEFAULT_VTR, KNOWN_VECTORS, PROFILE_DEFAULTS, chooseVector, lowestLevel, parseVtr, redirectUriProblem,
  startProvider,
} from './provider.mjs';
import { isValidNhsNumber, patientList, patients } from './patients.mjs';

const { subtle } = globalThis.crypto;
const REDIRECT_URI = 'http://127.0.0.1:8080/callback';
const REDIRECT_URI_B = 'http://127.0.0.1:8081/callback';
const ALL_SCOPES = 'openid profile profile_extended email phone gp_registration_details';
const RSA = { name: 'RSASSA-PKCS1-v1_5' };

const b64u = (bytes) => Buffer.from(bytes).toString('base64url');
const fromB64uJson = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
const decodeJwt = (jwt) => {
  const [h, p] = jwt.split('.');
  return { header: fromB64uJson(h), payload: fromB64uJson(p) };
};
const nowSeconds = () => Math.floor(Date.now() / 1000);

// ------------------------------------------------------------------------------------------------
// Client keys (WebCrypto) and JWT signing
// ------------------------------------------------------------------------------------------------

async function makeClientKey(kid) {
  const pair = await subtle.generateKey(
    { ...RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-512' },
    true,
    ['sign', 'verify'],
  );
  const { kty, n, e } = await subtle.exportKey('jwk', pair.publicKey);
  const privateJwk = await subtle.exportKey('jwk', pair.privateKey);
  return { kid, privateKey: pair.privateKey, privateJwk, publicJwk: { kty, n, e, kid, use: 'sig' } };
}

/** Sign a JWT with RSASSA-PKCS1-v1_5; `hash` picks RS512 (default) or RS256. */
async function signJwt(header, payload, clientKey, hash = 'SHA-512') {
  let key = clientKey.privateKey;
  if (hash !== 'SHA-512') {
    const { alg, key_ops: keyOps, ...jwk } = clientKey.privateJwk; // drop alg so SHA-256 can be used
    key = await subtle.importKey('jwk', jwk, { ...RSA, hash }, false, ['sign']);
  }
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  const signature = await subtle.sign(RSA, key, new TextEncoder().encode(input));
  return `${input}.${b64u(new Uint8Array(signature))}`;
}

/** RFC 7523 client assertion like NHS login clients send (EIS Table 6; reference §6). */
function clientAssertion(client, { aud, alg = 'RS512', payload = {}, key } = {}) {
  const iat = nowSeconds();
  return signJwt(
    { alg, typ: 'JWT', kid: (key ?? client.key).kid },
    {
      iss: client.clientId, sub: client.clientId, aud, jti: randomUUID(), iat, exp: iat + 60, ...payload,
    },
    key ?? client.key,
    alg === 'RS512' ? 'SHA-512' : 'SHA-256',
  );
}

// ------------------------------------------------------------------------------------------------
// A minimal "browser": cookie jar + manual redirects
// ------------------------------------------------------------------------------------------------

class CookieJar {
  #cookies = new Map();

  store(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (!value || /expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0\b/i.test(line)) {
        this.#cookies.delete(name);
      } else {
        this.#cookies.set(name, value);
      }
    }
  }

  header() {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

async function httpGet(jar, url) {
  const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
  jar.store(res);
  return res;
}

async function httpPostForm(jar, url, fields) {
  const res = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
  jar.store(res);
  return res;
}

/**
 * Follow redirects inside the provider until either a redirect to a client redirect URI
 * (returned as `callback`, a URL) or an HTML page (returned as `page`).
 */
async function follow(jar, res, from) {
  let url = from;
  let current = res;
  for (let hops = 0; hops < 10; hops += 1) {
    if (current.status < 300 || current.status >= 400) {
      return { page: { url, status: current.status, html: await current.text() } };
    }
    await current.arrayBuffer();
    const location = new URL(current.headers.get('location'), url).href;
    if (location.startsWith(REDIRECT_URI) || location.startsWith(REDIRECT_URI_B)) {
      return { callback: new URL(location) };
    }
    url = location;
    current = await httpGet(jar, url);
  }
  throw new Error('too many redirects');
}

const formAction = (html) => /<form method="post" action="([^"]+)"/.exec(html)?.[1];
const pageKind = (html) => {
  if (html.includes('name="patient"')) return 'login';
  if (/<form method="post" action="[^"]+\/uplift"/.test(html)) return 'uplift';
  if (html.includes('name="decision"')) return 'consent';
  return 'other';
};
/** The field each page's Continue button posts (the uplift page has a single Continue button). */
const PAGE_FIELDS = {
  login: ({ patient }) => {
    assert.ok(patient, 'login page shown but no patient chosen');
    return { patient };
  },
  uplift: () => ({ decision: 'uplift' }),
  consent: ({ consent }) => ({ decision: consent }),
};

async function pkcePair() {
  const verifier = b64u(globalThis.crypto.getRandomValues(new Uint8Array(32)));
  const challenge = b64u(new Uint8Array(await subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  return { verifier, challenge };
}

// ------------------------------------------------------------------------------------------------
// Test fixture
// ------------------------------------------------------------------------------------------------

/**
 * A provider started for these tests, with its discovery document, JWKS and diagnostics.
 * @param {Parameters<typeof startProvider>[0]} options
 */
async function openFixture(options) {
  const logs = [];
  const op = await startProvider({ port: 0, log: (message) => logs.push(message), ...options });
  const discovery = await (await fetch(op.endpoints.discovery)).json();
  const jwks = await (await fetch(discovery.jwks_uri)).json();
  return { op, discovery, jwks, logs };
}

/** A test client with a fresh key pair; `fx` (its provider) is set when the provider starts. */
async function makeClient(clientId, redirectUri = REDIRECT_URI) {
  return { clientId, redirectUri, key: await makeClientKey(`${clientId}-key-1`) };
}

/** Start a provider for `clients` (each then knows its provider as `client.fx`). */
async function openFixtureFor(clients, options = {}) {
  const fx = await openFixture({
    clients: clients.map((c) => ({
      client_id: c.clientId, redirect_uris: [c.redirectUri], jwks: { keys: [c.key.publicJwk] },
    })),
    ...options,
  });
  for (const c of clients) c.fx = fx;
  return fx;
}

// The main provider: every switch at its NHS login default.
let main;
let op;
let discovery;
let providerJwks;
let logs;
const clientA = { clientId: 'client-a', redirectUri: REDIRECT_URI };
const clientB = { clientId: 'client-b', redirectUri: REDIRECT_URI_B };
// Only ever used to refuse consent, so that no earlier consent exists for it (consent is
// remembered per patient and client, across browser sessions).
const clientC = { clientId: 'client-c', redirectUri: REDIRECT_URI };
// Registered with a restricted set of approved scopes.
const clientD = { clientId: 'client-d', redirectUri: REDIRECT_URI };
let otherKey; // a key pair no client registered

/** The switches set to today's lenient (or merely different) behaviour, all at once. */
const LENIENT = Object.freeze({
  issParameter: true,
  idTokenClaims: 'all',
  verifiedAsStrings: true,
  assertionAudience: 'issuer-or-token-endpoint',
  uplift: false,
});

// A second provider with every switch set to LENIENT, and its client.
let lenient;
const lenientClient = { clientId: 'lenient-client', redirectUri: REDIRECT_URI };

before(async () => {
  clientA.key = await makeClientKey('client-a-key-1');
  clientB.key = await makeClientKey('client-b-key-1');
  clientC.key = await makeClientKey('client-c-key-1');
  clientD.key = await makeClientKey('client-d-key-1');
  otherKey = await makeClientKey('client-a-key-1'); // same kid, different key
  main = await openFixture({
    clients: [
      { client_id: clientA.clientId, redirect_uris: [REDIRECT_URI], jwks: { keys: [clientA.key.publicJwk] } },
      { client_id: clientB.clientId, redirect_uris: [REDIRECT_URI_B], jwks: { keys: [clientB.key.publicJwk] } },
      { client_id: clientC.clientId, redirect_uris: [REDIRECT_URI], jwks: { keys: [clientC.key.publicJwk] } },
      {
        client_id: clientD.clientId,
        client_name: 'Client D test service',
        redirect_uris: [REDIRECT_URI],
        jwks: { keys: [clientD.key.publicJwk] },
        scope: 'openid profile',
      },
    ],
  });
  ({ op, discovery, jwks: providerJwks, logs } = main);
  for (const client of [clientA, clientB, clientC, clientD]) client.fx = main;
  Object.assign(lenientClient, await makeClient(lenientClient.clientId));
  lenient = await openFixtureFor([lenientClient], LENIENT);
});

after(async () => {
  await op?.close();
  await lenient?.op.close();
});

/** Build an authorize URL; `undefined` values are left out. */
async function authorizeRequest({
  client = clientA, scope = ALL_SCOPES, vtr, prompt, extra = {}, pkce = true,
} = {}) {
  const state = randomUUID();
  const nonce = randomUUID();
  const { verifier, challenge } = await pkcePair();
  const url = new URL(client.fx.discovery.authorization_endpoint);
  const params = {
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    scope,
    state,
    nonce,
    vtr: vtr === undefined ? undefined : JSON.stringify(vtr),
    prompt,
    ...(pkce ? { code_challenge: challenge, code_challenge_method: 'S256' } : {}),
    ...extra,
  };
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return { url: url.href, state, nonce, verifier };
}

/**
 * Drive a whole authorization request. `patient` answers the login page, the uplift page is
 * continued, `consent` answers the consent page ('allow' | 'deny'). Returns the callback URL, which
 * pages were shown and the HTML of each.
 */
async function authorize(jar, request, { patient, consent = 'allow' } = {}) {
  const seen = [];
  const pages = {};
  let step = await follow(jar, await httpGet(jar, request.url), request.url);
  while (step.page) {
    const kind = pageKind(step.page.html);
    seen.push(kind);
    pages[kind] = step.page.html;
    assert.equal(step.page.status, 200, `unexpected page ${step.page.status}: ${step.page.html.slice(0, 300)}`);
    assert.ok(PAGE_FIELDS[kind], `unexpected page: ${step.page.html.slice(0, 300)}`);
    const action = new URL(formAction(step.page.html), step.page.url).href;
    step = await follow(jar, await httpPostForm(jar, action, PAGE_FIELDS[kind]({ patient, consent })), action);
    assert.ok(seen.length < 5, 'too many pages');
  }
  return { callback: step.callback, seen, pages };
}

async function tokenRequest(client, fields, assertionOptions = {}) {
  const { op: provider, discovery: { token_endpoint: tokenEndpoint } } = client.fx;
  const assertion = await clientAssertion(client, {
    aud: [provider.issuer, tokenEndpoint], ...assertionOptions,
  });
  const res = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(Object.entries({
      client_id: client.clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      ...fields,
    }).filter(([, v]) => v !== undefined)),
  });
  return { status: res.status, headers: res.headers, body: await res.json(), assertion };
}

function exchangeCode(client, request, callback, assertionOptions, overrides = {}) {
  return tokenRequest(client, {
    grant_type: 'authorization_code',
    code: callback.searchParams.get('code'),
    redirect_uri: client.redirectUri,
    code_verifier: request.verifier,
    ...overrides,
  }, assertionOptions);
}

/** Verify an RS512 JWT against the provider JWKS with WebCrypto; returns the payload. */
async function verifyProviderJwt(jwt, fx = main) {
  const [h, p, s] = jwt.split('.');
  const header = fromB64uJson(h);
  assert.equal(header.alg, 'RS512');
  assert.equal(typeof header.kid, 'string');
  const jwk = fx.jwks.keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, 'kid must be in the provider JWKS');
  const key = await subtle.importKey('jwk', { kty: jwk.kty, n: jwk.n, e: jwk.e }, { ...RSA, hash: 'SHA-512' }, false, ['verify']);
  const ok = await subtle.verify(RSA, key, Buffer.from(s, 'base64url'), new TextEncoder().encode(`${h}.${p}`));
  assert.equal(ok, true, 'ID token signature must verify');
  // A tampered payload must not verify (proves the check above can fail).
  const tampered = b64u(JSON.stringify({ ...fromB64uJson(p), sub: 'someone-else' }));
  const bad = await subtle.verify(RSA, key, Buffer.from(s, 'base64url'), new TextEncoder().encode(`${h}.${tampered}`));
  assert.equal(bad, false);
  return fromB64uJson(p);
}

/** Full sign-in for `client` returning tokens and verified ID token claims. */
async function signIn({ jar = new CookieJar(), client = clientA, patient, vtr, scope, prompt, extra, consent } = {}) {
  const request = await authorizeRequest({ client, vtr, scope, prompt, extra });
  const { callback, seen, pages } = await authorize(jar, request, { patient, consent });
  assert.equal(callback.searchParams.get('error'), null, `authorize failed: ${callback.search}`);
  assert.equal(callback.searchParams.get('state'), request.state);
  const token = await exchangeCode(client, request, callback);
  assert.equal(token.status, 200, JSON.stringify(token.body));
  const claims = await verifyProviderJwt(token.body.id_token, client.fx);
  return { jar, request, callback, seen, pages, token, claims };
}

/** Call userinfo; `accessToken` undefined sends no Authorization header. Non-200 bodies are text. */
async function userinfo(accessToken, fx = main, { path = '' } = {}) {
  const res = await fetch(`${fx.discovery.userinfo_endpoint}${path}`, {
    headers: accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` },
  });
  return { status: res.status, headers: res.headers, body: res.status === 200 ? await res.json() : await res.text() };
}

// ------------------------------------------------------------------------------------------------
// Tests
// ------------------------------------------------------------------------------------------------

describe('test patients', () => {
  test('NHS numbers are in the 999 test range with valid modulus-11 check digits', () => {
    assert.ok(patientList.length >= 3);
    for (const p of patientList) {
      assert.match(p.nhsNumber, /^999\d{7}$/);
      assert.equal(isValidNhsNumber(p.nhsNumber), true, p.nhsNumber);
    }
    assert.equal(isValidNhsNumber('9990000019'), false); // wrong check digit
    assert.equal(isValidNhsNumber('999000001'), false); // 9 digits
  });

  test('P9, P5 and P0 patients exist with distinct UUID subs', () => {
    assert.deepEqual(['p9', 'p5', 'p0'].map((id) => patients[id].identityProofingLevel), ['P9', 'P5', 'P0']);
    const subs = new Set(patientList.map((p) => p.sub));
    assert.equal(subs.size, patientList.length);
    for (const sub of subs) assert.match(sub, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('vectors of trust helpers', () => {
  test('parseVtr validates and defaults', () => {
    assert.deepEqual(parseVtr(undefined), [...DEFAULT_VTR]);
    assert.deepEqual(parseVtr('["P5.Cp.Cd","P9.Cm"]'), ['P5.Cp.Cd', 'P9.Cm']);
    for (const bad of ['P9.Cp.Cd', '[]', '["P7.Cp"]', '[1]', '{"a":1}', '["P9.Cp.Cd”]']) {
      assert.throws(() => parseVtr(bad), { error: 'invalid_request' }, bad);
    }
    assert.equal(KNOWN_VECTORS.length, 12);
  });

  test('chooseVector prefers the patient level, never exceeds it', () => {
    const mixed = ['P5.Cp.Cd', 'P5.Cp.Ck', 'P9.Cp.Cd', 'P9.Cm'];
    assert.equal(chooseVector(mixed, 'P9'), 'P9.Cp.Cd');
    assert.equal(chooseVector(mixed, 'P5'), 'P5.Cp.Cd');
    assert.equal(chooseVector(mixed, 'P0'), undefined);
    assert.equal(chooseVector(['P0.Cp', 'P5.Cp.Cd'], 'P9'), 'P5.Cp.Cd');
  });
});

describe('discovery and JWKS', () => {
  test('discovery looks like NHS login', () => {
    const { issuer } = op;
    assert.equal(issuer, `http://127.0.0.1:${op.port}`);
    assert.equal(discovery.issuer, issuer);
    assert.equal(discovery.authorization_endpoint, `${issuer}/authorize`);
    assert.equal(discovery.token_endpoint, `${issuer}/token`);
    assert.equal(discovery.userinfo_endpoint, `${issuer}/userinfo`);
    assert.equal(discovery.jwks_uri, `${issuer}/.well-known/jwks.json`);
    assert.deepEqual(discovery.response_types_supported, ['code']);
    assert.deepEqual(discovery.token_endpoint_auth_methods_supported, ['private_key_jwt']);
    assert.deepEqual(discovery.token_endpoint_auth_signing_alg_values_supported, ['RS512']);
    assert.deepEqual(discovery.id_token_signing_alg_values_supported, ['RS512']);
    assert.deepEqual(discovery.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(discovery.grant_types_supported, ['authorization_code', 'refresh_token']);
    for (const claim of ['vot', 'vtm', 'jti', 'nhs_number', 'identity_proofing_level', 'gp_registration_details']) {
      assert.ok(discovery.claims_supported.includes(claim), claim);
    }
    for (const absent of ['end_session_endpoint', 'pushed_authorization_request_endpoint', 'registration_endpoint',
      'introspection_endpoint', 'revocation_endpoint', 'dpop_signing_alg_values_supported']) {
      assert.equal(discovery[absent], undefined, absent);
    }
  });

  test('JWKS holds one public RSA key with a kid', () => {
    assert.equal(providerJwks.keys.length, 1);
    const [key] = providerJwks.keys;
    assert.equal(key.kty, 'RSA');
    assert.equal(typeof key.kid, 'string');
    assert.equal(key.d, undefined);
    assert.equal(Buffer.from(key.n, 'base64url').length, 256); // 2048 bits
  });
});

describe('authorization code flow', () => {
  test('P9 patient: login, consent, token, ID token, userinfo, refresh', async () => {
    const vtr = ['P9.Cp.Cd', 'P9.Cp.Ck', 'P9.Cm'];
    const jar = new CookieJar();
    const request = await authorizeRequest({ vtr });

    // Login page: accessible, self-contained, expected form fields.
    const first = await follow(jar, await httpGet(jar, request.url), request.url);
    assert.equal(first.page.status, 200);
    const loginHtml = first.page.html;
    assert.match(first.page.url, new RegExp(`^${op.issuer}/interaction/[\\w-]+$`));
    assert.match(loginHtml, /<html lang="en">/);
    assert.match(loginHtml, /<label for="patient-p9">Sign in as P9 patient /);
    assert.match(loginHtml, /<input type="radio" id="patient-p9" name="patient" value="p9"/);
    assert.match(loginHtml, /<button type="submit" class="primary">Continue<\/button>/);
    assert.doesNotMatch(loginHtml, /<script|<link|@import|https?:\/\/(?!127\.0\.0\.1)/i);
    const loginAction = new URL(formAction(loginHtml), op.issuer).href;
    assert.equal(loginAction, `${first.page.url}/login`);

    // Consent page.
    const second = await follow(jar, await httpPostForm(jar, loginAction, { patient: 'p9' }), loginAction);
    assert.equal(second.page.status, 200);
    assert.match(second.page.html, /<button type="submit" class="primary" name="decision" value="allow">Continue<\/button>/);
    assert.match(second.page.html, /name="decision" value="deny">I do not want to use my NHS login<\/button>/);
    const consentAction = new URL(formAction(second.page.html), op.issuer).href;
    const done = await follow(jar, await httpPostForm(jar, consentAction, { decision: 'allow' }), consentAction);
    const { callback } = done;
    assert.ok(callback, 'expected a redirect to the client');
    assert.equal(callback.origin + callback.pathname, REDIRECT_URI);
    assert.equal(callback.searchParams.get('state'), request.state);
    // code and state only: no RFC 9207 iss (EIS Table 3).
    assert.deepEqual([...callback.searchParams.keys()].sort(), ['code', 'state']);

    // Token request with aud = [issuer, token_endpoint] (the form NHS login clients send).
    const token = await exchangeCode(clientA, request, callback);
    assert.equal(token.status, 200, JSON.stringify(token.body));
    assert.equal(token.body.token_type, 'Bearer');
    assert.equal(token.body.expires_in, 300);
    assert.ok(token.body.access_token);
    assert.ok(token.body.refresh_token);
    assert.match(token.headers.get('cache-control'), /no-store/);

    const claims = await verifyProviderJwt(token.body.id_token);
    const p9 = patients.p9;
    assert.equal(claims.iss, op.issuer);
    assert.equal(claims.aud, clientA.clientId);
    assert.equal(claims.sub, p9.sub);
    assert.equal(claims.nonce, request.nonce);
    assert.equal(claims.exp - claims.iat, 3600);
    assert.ok(vtr.includes(claims.vot), `vot ${claims.vot} must be one of the requested vectors`);
    assert.equal(claims.vot, 'P9.Cp.Cd');
    assert.equal(claims.vtm, `${op.issuer}/trustmark/127.0.0.1:${op.port}`);
    assert.match(claims.jti, /^[0-9a-f-]{36}$/);
    // The ID token carries the identity claims only (EIS Table 16).
    assert.equal(claims.identity_proofing_level, 'P9');
    assert.equal(claims.nhs_number, p9.nhsNumber);
    assert.equal(claims.family_name, p9.familyName);
    assert.equal(claims.birthdate, p9.birthdate);
    assert.deepEqual(Object.keys(claims).sort(), [
      'aud', 'birthdate', 'exp', 'family_name', 'iat', 'identity_proofing_level', 'iss', 'jti',
      'nhs_number', 'nonce', 'sub', 'vot', 'vtm',
    ]);

    // Userinfo: unsigned JSON, same sub, and every other claim (DOCS scopes-and-claims).
    const info = await userinfo(token.body.access_token);
    assert.equal(info.status, 200);
    assert.match(info.headers.get('content-type'), /^application\/json/);
    assert.equal(info.body.sub, claims.sub);
    assert.equal(info.body.iss, op.issuer);
    assert.equal(info.body.aud, clientA.clientId);
    assert.equal(info.body.nhs_number, p9.nhsNumber);
    assert.equal(info.body.identity_proofing_level, 'P9');
    assert.equal(info.body.given_name, p9.givenName);
    assert.equal(info.body.email, p9.email);
    assert.equal(info.body.email_verified, true); // JSON booleans by default (OIDC Core §5.1)
    assert.equal(info.body.phone_number, p9.phoneNumber);
    assert.equal(info.body.phone_number_verified, true);
    assert.equal(info.body.phone_number_pds_matched, true);
    assert.deepEqual(info.body.gp_registration_details, { gp_ods_code: p9.gpOdsCode });
    assert.equal(info.body.vot, undefined);

    // Refresh: new tokens, no ID token (NHS login only returns one for authorization_code).
    const refreshed = await tokenRequest(clientA, { grant_type: 'refresh_token', refresh_token: token.body.refresh_token });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.ok(refreshed.body.access_token);
    assert.notEqual(refreshed.body.access_token, token.body.access_token);
    assert.equal(refreshed.body.id_token, undefined);
    assert.ok(refreshed.body.refresh_token);
    assert.notEqual(refreshed.body.refresh_token, token.body.refresh_token); // rotated
    const info2 = await userinfo(refreshed.body.access_token);
    assert.equal(info2.status, 200);
    assert.equal(info2.body.sub, p9.sub);

    // Userinfo without a token fails.
    const noToken = await userinfo(undefined);
    assert.equal(noToken.status, 401);

    // The rotated-out refresh token is no longer valid.
    const stale = await tokenRequest(clientA, { grant_type: 'refresh_token', refresh_token: token.body.refresh_token });
    assert.equal(stale.status, 400);
    assert.equal(stale.body.error, 'invalid_grant');
  });

  test('P5 patient with a mixed P5/P9 vtr gets a P5 vot', async () => {
    const vtr = ['P5.Cp.Cd', 'P5.Cp.Ck', 'P5.Cm', 'P9.Cp.Cd', 'P9.Cp.Ck', 'P9.Cm'];
    const { claims, token, seen } = await signIn({ patient: 'p5', vtr });
    assert.deepEqual(seen, ['login', 'consent']);
    assert.equal(claims.vot, 'P5.Cp.Cd');
    assert.ok(vtr.includes(claims.vot));
    assert.equal(claims.sub, patients.p5.sub);
    assert.equal(claims.identity_proofing_level, 'P5');
    assert.equal(claims.nhs_number, patients.p5.nhsNumber);
    assert.equal(claims.given_name, undefined); // userinfo only
    const info = await userinfo(token.body.access_token);
    assert.equal(info.body.sub, claims.sub);
    assert.equal(info.body.given_name, patients.p5.givenName);
    assert.equal(info.body.phone_number_pds_matched, false);
  });

  test('P9 patient asked for P5 vectors is accepted with a P5 vot and P9 proofing level', async () => {
    // DOCS testing-scenarios: a user at a higher level signing in to a lower-level service is
    // "successfully redirected"; identity_proofing_level tells the service the user's real level.
    const vtr = ['P5.Cp.Cd', 'P5.Cp.Ck'];
    const { claims, token, seen } = await signIn({ patient: 'p9', vtr, scope: 'openid profile' });
    assert.deepEqual(seen.filter((kind) => kind === 'uplift'), []);
    assert.equal(claims.vot, 'P5.Cp.Cd');
    assert.ok(vtr.includes(claims.vot));
    assert.equal(claims.identity_proofing_level, 'P9');
    const info = await userinfo(token.body.access_token);
    assert.equal(info.body.identity_proofing_level, 'P9');
    assert.equal(info.body.email, undefined); // email scope not requested
  });

  test('P0 patient with a P0 vtr gets no profile claims', async () => {
    const vtr = ['P0.Cp'];
    // client_metadata is an NHS scope this provider does not implement: it is ignored.
    const scope = `${ALL_SCOPES} basic_demographics client_metadata`;
    const { claims, token } = await signIn({ patient: 'p0', vtr, scope });
    assert.equal(claims.vot, 'P0.Cp');
    assert.equal(claims.sub, patients.p0.sub);
    assert.equal(claims.identity_proofing_level, 'P0');
    for (const absent of ['nhs_number', 'family_name', 'given_name', 'birthdate', 'gp_registration_details',
      'email', 'phone_number']) {
      assert.equal(claims[absent], undefined, absent);
    }
    const info = await userinfo(token.body.access_token);
    assert.equal(info.body.sub, patients.p0.sub);
    for (const absent of ['nhs_number', 'family_name', 'given_name', 'birthdate', 'gp_registration_details',
      'identity_proofing_level']) {
      assert.equal(info.body[absent], undefined, absent);
    }
    assert.equal(info.body.email, patients.p0.email);
    assert.equal(info.body.phone_number, patients.p0.phoneNumber);
  });

  test('no vtr means the P9 default: a P9 patient gets one of the default vectors', async () => {
    const { claims } = await signIn({ patient: 'p9', scope: 'openid' });
    assert.ok(DEFAULT_VTR.includes(claims.vot));
    assert.equal(claims.nhs_number, undefined); // profile not requested
  });

  test('client_id may be left out of the token request (EIS: optional for confidential clients)', async () => {
    const request = await authorizeRequest({ scope: 'openid' });
    const { callback } = await authorize(new CookieJar(), request, { patient: 'p9' });
    const token = await exchangeCode(clientA, request, callback, undefined, { client_id: undefined });
    assert.equal(token.status, 200, JSON.stringify(token.body));
    const claims = await verifyProviderJwt(token.body.id_token);
    assert.equal(claims.aud, clientA.clientId);
  });

  test('allow_registration and display are accepted and ignored', async () => {
    const { claims } = await signIn({ patient: 'p9', scope: 'openid', extra: { allow_registration: 'false', display: 'touch' } });
    assert.equal(claims.sub, patients.p9.sub);
  });
});

describe('prompt and SSO session', () => {
  test('prompt=none without a session gives sso_login_required', async () => {
    const request = await authorizeRequest({ prompt: 'none' });
    const { callback, seen } = await authorize(new CookieJar(), request);
    assert.deepEqual(seen, []);
    assert.equal(callback.searchParams.get('error'), 'sso_login_required');
    assert.equal(callback.searchParams.get('state'), request.state);
    assert.equal(callback.searchParams.get('code'), null);
  });

  test('prompt=none after a sign-in returns a code with no pages; vot follows the new vtr', async () => {
    const first = await signIn({ patient: 'p9', vtr: ['P9.Cm'] });
    assert.equal(first.claims.vot, 'P9.Cm');
    const again = await signIn({ jar: first.jar, prompt: 'none', vtr: ['P5.Cp.Cd', 'P9.Cp.Ck'] });
    assert.deepEqual(again.seen, []);
    assert.equal(again.claims.sub, patients.p9.sub);
    assert.equal(again.claims.vot, 'P9.Cp.Ck');
    assert.notEqual(again.claims.jti, first.claims.jti);
  });

  test('prompt=none when the session patient cannot meet the vtr gives sso_login_required', async () => {
    const first = await signIn({ patient: 'p5', vtr: ['P5.Cp.Cd'] });
    const request = await authorizeRequest({ prompt: 'none', vtr: ['P9.Cp.Cd'] });
    const { callback } = await authorize(first.jar, request);
    assert.equal(callback.searchParams.get('error'), 'sso_login_required');
  });

  test('a session that cannot meet the vtr shows the login page again; another patient can sign in', async () => {
    const first = await signIn({ patient: 'p5', vtr: ['P5.Cp.Cd'] });
    const second = await signIn({ jar: first.jar, patient: 'p9', vtr: ['P9.Cp.Cd'] });
    // Consent may already exist for p9 (it is remembered per patient and client).
    assert.equal(second.seen[0], 'login');
    assert.equal(second.claims.sub, patients.p9.sub);
  });

  test('prompt=login forces the login page even with a session, and can switch patient', async () => {
    const first = await signIn({ patient: 'p9', vtr: ['P5.Cp.Cd', 'P9.Cp.Cd'] });
    const same = await signIn({ jar: first.jar, prompt: 'login', patient: 'p9', vtr: ['P5.Cp.Cd', 'P9.Cp.Cd'] });
    assert.deepEqual(same.seen, ['login']); // consent already given
    assert.equal(same.claims.sub, patients.p9.sub);
    assert.equal(typeof same.claims.auth_time, 'number');
    const switched = await signIn({ jar: first.jar, prompt: 'login', patient: 'p5', vtr: ['P5.Cp.Cd', 'P9.Cp.Cd'] });
    assert.equal(switched.seen[0], 'login');
    assert.equal(switched.claims.sub, patients.p5.sub);
    assert.equal(switched.claims.vot, 'P5.Cp.Cd');
  });

  test('refusing consent gives access_denied / ConsentNotGiven', async () => {
    const request = await authorizeRequest({ client: clientC, vtr: ['P9.Cp.Cd'] });
    const { callback, seen } = await authorize(new CookieJar(), request, { patient: 'p9', consent: 'deny' });
    assert.deepEqual(seen, ['login', 'consent']);
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    assert.equal(callback.searchParams.get('error_description'), 'ConsentNotGiven');
    assert.equal(callback.searchParams.get('state'), request.state);
    assert.equal(callback.searchParams.get('code'), null);
  });
});

describe('authorize request validation', () => {
  async function expectError(options, error, descriptionPattern) {
    const request = await authorizeRequest(options);
    const res = await fetch(request.url, { redirect: 'manual' });
    assert.equal(res.status, 303);
    const location = new URL(res.headers.get('location'));
    assert.equal(location.origin + location.pathname, REDIRECT_URI);
    assert.equal(location.searchParams.get('error'), error);
    if (descriptionPattern) assert.match(location.searchParams.get('error_description'), descriptionPattern);
    return location;
  }

  test('unknown vector of trust → invalid_request', async () => {
    const location = await expectError({ vtr: ['P7.Cp'] }, 'invalid_request', /unknown vector/);
    assert.ok(location.searchParams.get('state'));
  });

  test('malformed vtr → invalid_request', async () => {
    await expectError({ extra: { vtr: '["P9.Cp.Cd"' } }, 'invalid_request', /JSON array/);
    await expectError({ extra: { vtr: '["P9.Cp.Cd”]' } }, 'invalid_request'); // EIS example's typographic quote
  });

  test('missing PKCE → invalid_request', async () => {
    await expectError({ pkce: false }, 'invalid_request', /PKCE/);
  });

  test('code_challenge_method=plain → invalid_request', async () => {
    await expectError({ pkce: false, extra: { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' } }, 'invalid_request');
  });

  test('missing nonce → invalid_request', async () => {
    await expectError({ extra: { nonce: '' } }, 'invalid_request', /nonce/);
  });

  test('scope without openid → invalid_request', async () => {
    await expectError({ scope: 'profile' }, 'invalid_request', /openid/);
  });

  test('response_type other than code → unsupported_response_type', async () => {
    const request = await authorizeRequest({ extra: { response_type: 'id_token' } });
    const res = await fetch(request.url, { redirect: 'manual' });
    assert.equal(res.status, 303);
    // The error goes in the fragment: the default response mode of the requested response_type.
    const location = new URL(res.headers.get('location'));
    const fragment = new URLSearchParams(location.hash.slice(1));
    assert.equal(fragment.get('error'), 'unsupported_response_type');
    assert.equal(fragment.get('iss'), null); // EIS Table 4: no iss on error redirects either
    assert.equal(location.searchParams.get('code'), null);
  });

  test('scope not approved for the client → invalid_scope; approved scopes work', async () => {
    await expectError({ client: clientD, scope: 'openid profile email' }, 'invalid_scope');
    const { claims, seen } = await signIn({ client: clientD, patient: 'p9', scope: 'openid profile' });
    assert.deepEqual(seen, ['login', 'consent']);
    assert.equal(claims.aud, clientD.clientId);
    assert.equal(claims.nhs_number, patients.p9.nhsNumber);
  });

  test('unregistered redirect_uri is not redirected to', async () => {
    const request = await authorizeRequest({ extra: { redirect_uri: 'http://127.0.0.1:9999/evil' } });
    const res = await fetch(request.url, { redirect: 'manual' });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('location'), null);
    assert.match(await res.text(), /redirect_uri/);
  });
});

describe('token endpoint', () => {
  async function freshCode(client = clientA) {
    const request = await authorizeRequest({ client, scope: 'openid' });
    const { callback } = await authorize(new CookieJar(), request, { patient: 'p9' });
    assert.ok(callback.searchParams.get('code'));
    return { request, callback };
  }

  test('RS256 client assertion → invalid_client, cause logged without the assertion', async () => {
    const { request, callback } = await freshCode();
    const before = logs.length;
    const token = await exchangeCode(clientA, request, callback, { alg: 'RS256' });
    assert.equal(token.status, 401);
    assert.equal(token.body.error, 'invalid_client');
    const logged = logs.slice(before).join('\n');
    assert.match(logged, /invalid_client/);
    assert.match(logged, /alg mismatch/);
    assert.ok(!logged.includes(token.assertion.split('.')[2]), 'assertion must not be logged');
    // The code is still usable with a correct assertion: auth failed before the code was looked at.
    const ok = await exchangeCode(clientA, request, callback);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });

  test('assertion signed with an unregistered key → invalid_client', async () => {
    const { request, callback } = await freshCode();
    const token = await exchangeCode(clientA, request, callback, { key: otherKey });
    assert.equal(token.status, 401);
    assert.equal(token.body.error, 'invalid_client');
  });

  test('assertion with sub ≠ client_id → invalid_client', async () => {
    const { request, callback } = await freshCode();
    const before = logs.length;
    const token = await exchangeCode(clientA, request, callback, { payload: { sub: 'someone' } });
    assert.equal(token.status, 401);
    assert.equal(token.body.error, 'invalid_client');
    assert.match(logs.slice(before).join('\n'), /client_id mismatch/);
  });

  test('assertion with a wrong aud → invalid_client', async () => {
    const { request, callback } = await freshCode();
    const token = await exchangeCode(clientA, request, callback, { aud: 'https://auth.login.nhs.uk/token' });
    assert.equal(token.body.error, 'invalid_client');
  });

  test('replayed client assertion → invalid_client', async () => {
    const { request, callback } = await freshCode();
    const jti = randomUUID();
    const first = await exchangeCode(clientA, request, callback, { payload: { jti } });
    assert.equal(first.status, 200);
    const second = await freshCode();
    const replay = await exchangeCode(clientA, second.request, second.callback, { payload: { jti } });
    assert.equal(replay.body.error, 'invalid_client');
  });

  test('wrong code_verifier → invalid_grant', async () => {
    const { request, callback } = await freshCode();
    const wrong = (await pkcePair()).verifier;
    const token = await exchangeCode(clientA, request, callback, undefined, { code_verifier: wrong });
    assert.equal(token.status, 400);
    assert.equal(token.body.error, 'invalid_grant');
  });

  test('missing code_verifier → invalid_grant', async () => {
    const { request, callback } = await freshCode();
    const token = await exchangeCode(clientA, request, callback, undefined, { code_verifier: undefined });
    assert.equal(token.status, 400);
    assert.equal(token.body.error, 'invalid_grant');
  });

  test('replayed authorization code → invalid_grant', async () => {
    const { request, callback } = await freshCode();
    const first = await exchangeCode(clientA, request, callback);
    assert.equal(first.status, 200);
    const replay = await exchangeCode(clientA, request, callback);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    // oidc-provider revokes the grant's tokens on code replay.
    const info = await userinfo(first.body.access_token);
    assert.equal(info.status, 401);
  });

  test('browser (cross-origin) calls to /token and /userinfo are refused', async () => {
    const { request, callback } = await freshCode();
    const origin = 'http://127.0.0.1:5173';
    const assertion = await clientAssertion(clientA, { aud: [op.issuer, discovery.token_endpoint] });
    const res = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code'),
        redirect_uri: REDIRECT_URI,
        code_verifier: request.verifier,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }),
    });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    assert.match((await res.json()).error_description, /origin .* not allowed/);
    // The same exchange without an Origin header (a backend call) works.
    const ok = await exchangeCode(clientA, request, callback);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const info = await fetch(discovery.userinfo_endpoint, {
      headers: { origin, authorization: `Bearer ${ok.body.access_token}` },
    });
    assert.equal(info.status, 400);
    assert.equal(info.headers.get('access-control-allow-origin'), null);
    // A userinfo invalid_request goes in WWW-Authenticate too (RFC 6750 §3.1), with no body.
    assert.match(info.headers.get('www-authenticate'), /^Bearer error="invalid_request", error_description="origin .* not allowed/);
    assert.equal(await info.text(), '');
    // Discovery and JWKS stay readable cross-origin.
    const jwks = await fetch(discovery.jwks_uri, { headers: { origin } });
    assert.equal(jwks.headers.get('access-control-allow-origin'), origin);
  });

  test('code issued to another client → invalid_grant', async () => {
    const { request, callback } = await freshCode(clientA);
    const token = await exchangeCode(clientB, request, callback, undefined, { redirect_uri: REDIRECT_URI });
    assert.equal(token.body.error, 'invalid_grant');
  });

  test('mismatched redirect_uri → invalid_grant', async () => {
    const { request, callback } = await freshCode();
    const token = await exchangeCode(clientA, request, callback, undefined, { redirect_uri: `${REDIRECT_URI}x` });
    assert.equal(token.body.error, 'invalid_grant');
  });
});

describe('asserted_login_identity (NHS App SSO)', () => {
  function ssoJwt(client, code, payload = {}) {
    const iat = nowSeconds();
    // Shape observed in NHS code: header {alg, typ}, no kid (reference §9).
    return signJwt({ alg: 'RS512', typ: 'JWT' }, {
      iss: client.clientId, jti: randomUUID(), code, iat, exp: iat + 60, ...payload,
    }, client.key);
  }

  async function ssoAuthorize(client, assertion, jar = new CookieJar(), options = {}) {
    const request = await authorizeRequest({
      client, prompt: 'none', scope: 'openid profile', vtr: ['P9.Cp.Cd'], extra: { asserted_login_identity: assertion },
    });
    const result = await authorize(jar, request, options);
    return { request, ...result };
  }

  test('valid JWT signs the same patient in silently; a replay is rejected', async () => {
    const first = await signIn({ patient: 'p9', vtr: ['P9.Cp.Cd'], scope: 'openid profile' });
    const assertion = await ssoJwt(clientA, first.claims.jti);

    // A different browser (fresh cookie jar), as when the NHS App opens the service.
    const sso = await ssoAuthorize(clientA, assertion);
    assert.deepEqual(sso.seen, [], 'no login or consent page');
    assert.equal(sso.callback.searchParams.get('error'), null, sso.callback.search);
    const token = await exchangeCode(clientA, sso.request, sso.callback);
    assert.equal(token.status, 200);
    const claims = await verifyProviderJwt(token.body.id_token);
    assert.equal(claims.sub, patients.p9.sub);
    assert.equal(claims.vot, 'P9.Cp.Cd');
    assert.notEqual(claims.jti, first.claims.jti);

    // Same JWT again: one-time use.
    const replay = await ssoAuthorize(clientA, assertion);
    assert.equal(replay.callback.searchParams.get('error'), 'invalid_request');
    assert.match(replay.callback.searchParams.get('error_description'), /already used/);
  });

  test('SSO into another client skips login but asks for consent', async () => {
    const first = await signIn({ patient: 'p5', vtr: ['P5.Cp.Cd'], scope: 'openid profile' });
    const assertion = await ssoJwt(clientA, first.claims.jti);
    const request = await authorizeRequest({
      client: clientB, prompt: 'none', scope: 'openid profile', vtr: ['P5.Cp.Cd'], extra: { asserted_login_identity: assertion },
    });
    const { callback, seen } = await authorize(new CookieJar(), request, { consent: 'allow' });
    assert.deepEqual(seen, ['consent']);
    const token = await exchangeCode(clientB, request, callback);
    assert.equal(token.status, 200, JSON.stringify(token.body));
    const claims = await verifyProviderJwt(token.body.id_token);
    assert.equal(claims.sub, patients.p5.sub);
    assert.equal(claims.aud, clientB.clientId);
  });

  test('invalid JWTs → invalid_request', async () => {
    const first = await signIn({ patient: 'p9', vtr: ['P9.Cp.Cd'], scope: 'openid profile' });
    const { jti } = first.claims;
    const cases = {
      'unknown code': await ssoJwt(clientA, randomUUID()),
      'exp too far ahead': await ssoJwt(clientA, jti, { exp: nowSeconds() + 600 }),
      expired: await ssoJwt(clientA, jti, { iat: nowSeconds() - 120, exp: nowSeconds() - 60 }),
      'code of another client': await ssoJwt(clientB, jti),
      'wrong signer': await signJwt({ alg: 'RS512', typ: 'JWT' }, {
        iss: clientA.clientId, jti: randomUUID(), code: jti, iat: nowSeconds(), exp: nowSeconds() + 60,
      }, otherKey),
      'RS256': await signJwt({ alg: 'RS256', typ: 'JWT' }, {
        iss: clientA.clientId, jti: randomUUID(), code: jti, iat: nowSeconds(), exp: nowSeconds() + 60,
      }, clientA.key, 'SHA-256'),
      'not a JWT': 'not-a-jwt',
    };
    for (const [name, assertion] of Object.entries(cases)) {
      const { callback, seen } = await ssoAuthorize(clientA, assertion);
      assert.deepEqual(seen, [], name);
      assert.equal(callback.searchParams.get('error'), 'invalid_request', `${name}: ${callback.search}`);
      assert.match(callback.searchParams.get('error_description'), /asserted_login_identity rejected/, name);
    }
    // The ID token jti is still good for a valid JWT after all those failures.
    const ok = await ssoAuthorize(clientA, await ssoJwt(clientA, jti));
    assert.ok(ok.callback.searchParams.get('code'), ok.callback.search);
  });
});

describe('interaction pages', () => {
  test('bad form submissions are rejected without finishing the request', async () => {
    const jar = new CookieJar();
    const request = await authorizeRequest({});
    const { page } = await follow(jar, await httpGet(jar, request.url), request.url);
    const action = new URL(formAction(page.html), op.issuer).href;
    const unknown = await httpPostForm(jar, action, { patient: 'nobody' });
    assert.equal(unknown.status, 400);
    assert.match(await unknown.text(), /Choose one of the test patients/);
    const json = await fetch(action, {
      method: 'POST', headers: { cookie: jar.header(), 'content-type': 'application/json' }, body: '{"patient":"p9"}', redirect: 'manual',
    });
    assert.equal(json.status, 415);
    // The page still works afterwards.
    const ok = await follow(jar, await httpPostForm(jar, action, { patient: 'p9' }), action);
    assert.equal(pageKind(ok.page.html), 'consent');
  });

  test('interaction page without its cookie is an error page', async () => {
    const res = await fetch(`${op.issuer}/interaction/abc123`);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /Something went wrong/);
  });
});

// ------------------------------------------------------------------------------------------------
// NHS login rules the provider follows by default, and the switches that bring back the old,
// more lenient behaviour (README "Profile switches")
// ------------------------------------------------------------------------------------------------

describe('profile switches: validation', () => {
  test('defaults are the NHS login behaviour', () => {
    assert.deepEqual(PROFILE_DEFAULTS, {
      issParameter: false,
      accessTokenTtl: 300,
      idTokenClaims: 'identity',
      verifiedAsStrings: false,
      assertionAudience: 'token-endpoint',
      uplift: true,
    });
    assert.deepEqual(op.profile, PROFILE_DEFAULTS);
  });

  test('startProvider refuses a bad switch value with an error naming the switch', async () => {
    const bad = {
      issParameter: 'yes',
      accessTokenTtl: 0,
      idTokenClaims: 'some',
      verifiedAsStrings: 1,
      assertionAudience: 'issuer',
      uplift: null,
    };
    for (const [name, value] of Object.entries(bad)) {
      await assert.rejects(startProvider({ port: 0, log: false, [name]: value }), {
        name: 'TypeError', message: new RegExp(`^startProvider option ${name} must be `),
      }, name);
    }
    await assert.rejects(startProvider({ port: 0, log: false, accessTokenTtl: 2.5 }), /accessTokenTtl/);
    await assert.rejects(startProvider({ port: 0, log: false, accessTokenTtl: 300_000 }), /accessTokenTtl/);
  });
});

describe('userinfo errors go in WWW-Authenticate only (EIS §3.6.2.2, RFC 6750 §3.1)', () => {
  let shortLived;
  const client = { clientId: 'short-lived-client', redirectUri: REDIRECT_URI };

  before(async () => {
    Object.assign(client, await makeClient(client.clientId));
    shortLived = await openFixtureFor([client], { accessTokenTtl: 2 });
  });
  after(async () => { await shortLived?.op.close(); });

  /** 401 with exactly `challenge` in WWW-Authenticate, and no body or content type at all. */
  function assertBearerError(info, status, challenge) {
    assert.equal(info.status, status);
    assert.equal(info.headers.get('www-authenticate'), challenge);
    assert.equal(info.body, '');
    assert.equal(info.headers.get('content-type'), null);
    assert.equal(info.headers.get('content-length'), '0');
  }

  test('missing or garbage access token → 401 invalid_token, no body', async () => {
    assertBearerError(await userinfo(undefined), 401,
      'Bearer error="invalid_token", error_description="no access token provided"');
    assertBearerError(await userinfo('not-a-real-access-token'), 401,
      'Bearer error="invalid_token", error_description="invalid token provided"');
    // POST is allowed too (EIS §3.6.1) and answers the same way.
    const post = await fetch(discovery.userinfo_endpoint, {
      method: 'POST', headers: { authorization: 'Bearer not-a-real-access-token' },
    });
    assertBearerError({ status: post.status, headers: post.headers, body: await post.text() }, 401,
      'Bearer error="invalid_token", error_description="invalid token provided"');
  });

  test('a browser asking for HTML gets no error page either', async () => {
    const res = await fetch(discovery.userinfo_endpoint, { headers: { accept: 'text/html' } });
    assertBearerError({ status: res.status, headers: res.headers, body: await res.text() }, 401,
      'Bearer error="invalid_token", error_description="no access token provided"');
  });

  test('insufficient_scope → 403 with the scope in WWW-Authenticate, no body', async () => {
    const { token } = await signIn({ patient: 'p9', scope: 'openid' });
    assertBearerError(await userinfo(token.body.access_token, main, { path: '?scope=openid%20email' }), 403,
      'Bearer error="insufficient_scope", error_description="access token missing requested scope", scope="email"');
  });

  test('access tokens live 5 minutes by default (EIS Table 18)', async () => {
    const { token } = await signIn({ patient: 'p9', scope: 'openid' });
    assert.equal(token.body.expires_in, 300);
  });

  test('accessTokenTtl: 2 → expires_in 2; the expired token gets 401 invalid_token, no body', async () => {
    const { token } = await signIn({ client, patient: 'p9', scope: 'openid email' });
    assert.equal(token.body.expires_in, 2);
    const fresh = await userinfo(token.body.access_token, shortLived);
    assert.equal(fresh.status, 200);
    assert.equal(fresh.body.email, patients.p9.email);
    await new Promise((resolve) => { setTimeout(resolve, 3000); });
    assertBearerError(await userinfo(token.body.access_token, shortLived), 401,
      'Bearer error="invalid_token", error_description="invalid token provided"');
  });
});

describe('the redirect back carries no iss (EIS Tables 3–4)', () => {
  const client = lenientClient;

  test('success and error redirects have no iss; discovery does not announce it', async () => {
    const ok = await authorize(new CookieJar(), await authorizeRequest({ scope: 'openid' }), { patient: 'p9' });
    assert.deepEqual([...ok.callback.searchParams.keys()].sort(), ['code', 'state']);
    const denied = await authorize(new CookieJar(), await authorizeRequest({ client: clientC }), {
      patient: 'p9', consent: 'deny',
    });
    assert.deepEqual([...denied.callback.searchParams.keys()].sort(), ['error', 'error_description', 'state']);
    const silent = await authorize(new CookieJar(), await authorizeRequest({ prompt: 'none' }));
    assert.deepEqual([...silent.callback.searchParams.keys()].sort(), ['error', 'error_description', 'state']);
    // Errors raised before any page (here an unknown vector) too.
    const invalid = await authorizeRequest({ vtr: ['P7.Cp'] });
    const location = new URL((await fetch(invalid.url, { redirect: 'manual' })).headers.get('location'));
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    assert.equal(location.searchParams.get('iss'), null);
    assert.equal(discovery.authorization_response_iss_parameter_supported, undefined);
  });

  test('issParameter: true sends iss on success and error redirects, and announces it', async () => {
    const { issuer } = lenient.op;
    const ok = await authorize(new CookieJar(), await authorizeRequest({ client, scope: 'openid' }), { patient: 'p9' });
    assert.equal(ok.callback.searchParams.get('iss'), issuer);
    assert.ok(ok.callback.searchParams.get('code'));
    const denied = await authorize(new CookieJar(), await authorizeRequest({ client }), { patient: 'p9', consent: 'deny' });
    assert.equal(denied.callback.searchParams.get('error'), 'access_denied');
    assert.equal(denied.callback.searchParams.get('iss'), issuer);
    assert.equal(lenient.discovery.authorization_response_iss_parameter_supported, true);
  });
});

describe('claims placement and format', () => {
  const client = lenientClient;

  test('the ID token has the identity claims only; userinfo has the rest (EIS Table 16; DOCS)', async () => {
    const { claims, token } = await signIn({ patient: 'p9', vtr: ['P9.Cp.Cd'] });
    for (const present of ['nhs_number', 'family_name', 'birthdate', 'identity_proofing_level', 'vot', 'vtm', 'jti']) {
      assert.ok(present in claims, present);
    }
    const userinfoOnly = ['email', 'email_verified', 'phone_number', 'phone_number_verified',
      'phone_number_pds_matched', 'given_name', 'gp_registration_details'];
    for (const absent of userinfoOnly) assert.equal(claims[absent], undefined, absent);
    const info = await userinfo(token.body.access_token);
    for (const present of userinfoOnly) assert.ok(present in info.body, present);
  });

  test("idTokenClaims: 'all' puts every scope claim in the ID token again", async () => {
    const { claims } = await signIn({ client, patient: 'p9', vtr: ['P9.Cp.Cd'] });
    const p9 = patients.p9;
    assert.equal(claims.nhs_number, p9.nhsNumber);
    assert.equal(claims.given_name, p9.givenName);
    assert.equal(claims.email, p9.email);
    assert.equal(claims.phone_number, p9.phoneNumber);
    assert.deepEqual(claims.gp_registration_details, { gp_ods_code: p9.gpOdsCode });
  });

  test('verifiedAsStrings: true writes the flags as "true"/"false" in userinfo and the ID token', async () => {
    const flags = ['email_verified', 'phone_number_verified', 'phone_number_pds_matched'];
    const { claims, token } = await signIn({ client, patient: 'p5', vtr: ['P5.Cp.Cd'] });
    const info = await userinfo(token.body.access_token, lenient);
    const expected = ['true', 'true', 'false']; // p5: verified e-mail and phone, phone not PDS-matched
    assert.deepEqual(flags.map((f) => info.body[f]), expected);
    assert.deepEqual(flags.map((f) => claims[f]), expected); // with idTokenClaims: 'all'
    // Default: JSON booleans.
    const plain = await signIn({ patient: 'p5', vtr: ['P5.Cp.Cd'] });
    const plainInfo = await userinfo(plain.token.body.access_token);
    assert.deepEqual(flags.map((f) => plainInfo.body[f]), [true, true, false]);
  });
});

describe('client assertion aud must contain the token endpoint URL (EIS Table 6)', () => {
  const client = lenientClient;

  async function exchangeWithAud(forClient, aud) {
    const request = await authorizeRequest({ client: forClient, scope: 'openid' });
    const { callback } = await authorize(new CookieJar(), request, { patient: 'p9' });
    return exchangeCode(forClient, request, callback, { aud });
  }

  test('[issuer, token_endpoint] and token_endpoint alone are accepted', async () => {
    for (const aud of [[op.issuer, discovery.token_endpoint], discovery.token_endpoint]) {
      const token = await exchangeWithAud(clientA, aud);
      assert.equal(token.status, 200, `${aud}: ${JSON.stringify(token.body)}`);
    }
  });

  test('the issuer alone (string or array) → invalid_client, cause logged', async () => {
    for (const aud of [op.issuer, [op.issuer]]) {
      const before = logs.length;
      const token = await exchangeWithAud(clientA, aud);
      assert.equal(token.status, 401, JSON.stringify(aud));
      assert.equal(token.body.error, 'invalid_client');
      assert.match(logs.slice(before).join('\n'), /invalid_client .*cause: aud \(JWT audience\) must contain the token endpoint URL/);
    }
  });

  test("assertionAudience: 'issuer-or-token-endpoint' accepts the issuer alone", async () => {
    for (const aud of [lenient.op.issuer, [lenient.op.issuer], lenient.discovery.token_endpoint]) {
      const token = await exchangeWithAud(client, aud);
      assert.equal(token.status, 200, `${aud}: ${JSON.stringify(token.body)}`);
    }
  });
});

describe('redirect URIs: https or loopback http, no query string (EIS §7.3)', () => {
  const start = (uri) => startProvider({
    port: 0, log: false, clients: [{ client_id: 'uri-client', redirect_uris: [uri] }],
  });

  test('redirectUriProblem', () => {
    for (const ok of ['https://service.example.org/callback', 'http://127.0.0.1:8080/cb', 'http://[::1]:8080/cb',
      'http://localhost:3000/cb']) {
      assert.equal(redirectUriProblem(ok), undefined, ok);
    }
    assert.match(redirectUriProblem('https://service.example.org/cb?x=1'), /query string/);
    assert.match(redirectUriProblem('https://service.example.org/cb?'), /query string/);
    assert.match(redirectUriProblem('https://service.example.org/cb#x'), /fragment/);
    assert.match(redirectUriProblem('http://service.example.org/cb'), /https/);
    assert.match(redirectUriProblem('/callback'), /absolute URL/);
  });

  test('registration refuses a query string, a fragment or http off loopback, naming the URI', async () => {
    for (const uri of ['http://127.0.0.1:8080/callback?tenant=a', 'https://service.example.org/cb#top',
      'http://service.example.org/callback', 'http://192.168.1.10/callback']) {
      await assert.rejects(start(uri), (err) => err instanceof Error
        && err.message.startsWith(`client uri-client: redirect_uri ${uri} `), uri);
    }
    const ok = await start('https://service.example.org/callback');
    await ok.close();
  });

  test('/authorize with a query string in redirect_uri → error page 400, no redirect', async () => {
    for (const redirectUri of [`${REDIRECT_URI}?x=1`, `${REDIRECT_URI}?`]) {
      const request = await authorizeRequest({ extra: { redirect_uri: redirectUri } });
      const before = logs.length;
      const res = await fetch(request.url, { redirect: 'manual' });
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('location'), null);
      const html = await res.text();
      assert.match(html, /invalid_redirect_uri<\/strong>: redirect_uri must not have a query string/);
      assert.match(logs.slice(before).join('\n'), /client-a: invalid_redirect_uri/);
    }
  });
});

describe('vectors of trust: uplift journey (DOCS testing-scenarios)', () => {
  // A provider of its own, with the defaults: the uplifts below last for its whole life.
  let upliftFx;
  const client = { clientId: 'uplift-client', redirectUri: REDIRECT_URI };

  before(async () => {
    Object.assign(client, await makeClient(client.clientId));
    upliftFx = await openFixtureFor([client]);
  });
  after(async () => { await upliftFx?.op.close(); });

  test('lowestLevel', () => {
    assert.equal(lowestLevel(['P9.Cm', 'P5.Cp.Cd']), 'P5');
    assert.equal(lowestLevel(DEFAULT_VTR), 'P9');
  });

  test('the login page says a patient below the level will be asked to prove their identity', async () => {
    const request = await authorizeRequest({ client, vtr: ['P9.Cp.Cd'] });
    const jar = new CookieJar();
    const { page } = await follow(jar, await httpGet(jar, request.url), request.url);
    assert.match(page.html, /id="hint-p0">Identity proofing level P0\. Below the requested vectors of trust: this patient will be asked to prove their identity \(to P9\)/);
    assert.doesNotMatch(page.html, /access_denied/);
  });

  test('P0 patient asked for P5 or P9 proves their identity and comes back with the requested level', async () => {
    // P0 → P5: the lowest requested level.
    const first = await signIn({ client, patient: 'p0', vtr: ['P5.Cp.Cd', 'P9.Cp.Cd'], scope: 'openid profile' });
    assert.deepEqual(first.seen, ['login', 'uplift', 'consent']);
    const html = first.pages.uplift;
    assert.match(html, /<h1>Prove who you are to continue<\/h1>/);
    assert.match(html, /<form method="post" action="\/interaction\/[\w-]+\/uplift">/);
    assert.match(html, /<button type="submit" class="primary" name="decision" value="uplift">Continue<\/button>/);
    assert.doesNotMatch(html, /<script|<link|@import|https?:\/\/(?!127\.0\.0\.1)/i);
    assert.equal(first.claims.vot, 'P5.Cp.Cd');
    assert.equal(first.claims.identity_proofing_level, 'P5');
    assert.equal(first.claims.nhs_number, patients.p0.nhsNumber); // released once at P5

    // P5 → P9, in the same browser (the session patient is below the level: login page again).
    const second = await signIn({ jar: first.jar, client, patient: 'p0', vtr: ['P9.Cp.Cd', 'P9.Cm'], scope: 'openid profile' });
    assert.deepEqual(second.seen, ['login', 'uplift']); // consent already given
    assert.equal(second.claims.vot, 'P9.Cp.Cd');
    assert.equal(second.claims.identity_proofing_level, 'P9');
    const info = await userinfo(second.token.body.access_token, upliftFx);
    assert.equal(info.body.identity_proofing_level, 'P9');
    assert.equal(info.body.nhs_number, patients.p0.nhsNumber);

    // The level stays for the rest of this provider's life: no uplift page in a new browser.
    const third = await signIn({ client, patient: 'p0', vtr: ['P9.Cm'], scope: 'openid profile' });
    assert.deepEqual(third.seen, ['login']);
    assert.equal(third.claims.vot, 'P9.Cm');

    // The shared fixtures and every other provider instance are unaffected.
    assert.equal(patients.p0.identityProofingLevel, 'P0');
    const elsewhere = await signIn({ patient: 'p0', vtr: ['P0.Cp'], scope: 'openid profile' });
    assert.equal(elsewhere.claims.identity_proofing_level, 'P0');
    assert.equal(elsewhere.claims.nhs_number, undefined);
  });

  test('the uplift page refuses any other answer and can then be continued', async (t) => {
    // A provider of its own: this uplift must not change p5 for the other tests.
    const formClient = await makeClient('uplift-form-client');
    const fx = await openFixtureFor([formClient]);
    t.after(() => fx.op.close());
    const jar = new CookieJar();
    const request = await authorizeRequest({ client: formClient, vtr: ['P9.Cp.Cd'] });
    const login = await follow(jar, await httpGet(jar, request.url), request.url);
    const loginAction = new URL(formAction(login.page.html), login.page.url).href;
    const uplift = await follow(jar, await httpPostForm(jar, loginAction, { patient: 'p5' }), loginAction);
    assert.equal(pageKind(uplift.page.html), 'uplift');
    assert.equal(uplift.page.url, login.page.url); // the same interaction, now on its uplift step
    const upliftAction = new URL(formAction(uplift.page.html), uplift.page.url).href;
    const wrong = await httpPostForm(jar, upliftAction, { decision: 'allow' });
    assert.equal(wrong.status, 400);
    assert.match(await wrong.text(), /Choose Continue to prove your identity/);
    const again = await httpPostForm(jar, loginAction, { patient: 'p9' });
    assert.equal(again.status, 400); // waiting for uplift, not login
    const done = await follow(jar, await httpPostForm(jar, upliftAction, { decision: 'uplift' }), upliftAction);
    assert.equal(pageKind(done.page.html), 'consent');
  });

  test('prompt=none with a session patient below the level still gives sso_login_required', async () => {
    const first = await signIn({ client, patient: 'p5', vtr: ['P5.Cp.Cd'] });
    const request = await authorizeRequest({ client, prompt: 'none', vtr: ['P9.Cp.Cd'] });
    const { callback, seen } = await authorize(first.jar, request);
    assert.deepEqual(seen, []);
    assert.equal(callback.searchParams.get('error'), 'sso_login_required');
  });

  test('uplift: false → access_denied straight after the login page', async () => {
    const request = await authorizeRequest({ client: lenientClient }); // default vtr: P9 only
    const { callback, seen } = await authorize(new CookieJar(), request, { patient: 'p0' });
    assert.deepEqual(seen, ['login']);
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    assert.match(callback.searchParams.get('error_description'), /P0 cannot satisfy the requested vtr/);
    assert.equal(callback.searchParams.get('state'), request.state);
    assert.equal(callback.searchParams.get('code'), null);
  });
});

describe('journeys NHS login checks before go-live (issue 12)', () => {
  // A provider of its own: the step-up below raises a patient's level for its whole life.
  let fx;
  const client = { clientId: 'journeys-client', redirectUri: REDIRECT_URI };
  const ssoJwt = (code, payload = {}, key = client.key) => {
    const iat = nowSeconds();
    return signJwt({ alg: 'RS512', typ: 'JWT' }, { iss: client.clientId, jti: randomUUID(), code, iat, exp: iat + 60, ...payload }, key);
  };
  const patch = (accessToken, body, headers = {}) => fetch(fx.op.endpoints.userinfo, {
    method: 'PATCH',
    headers: { ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}), 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

  before(async () => {
    Object.assign(client, await makeClient(client.clientId));
    fx = await openFixtureFor([client]);
  });
  after(async () => { await fx?.op.close(); });

  test('client_metadata is a supported scope, its claim in claims_supported', () => {
    assert.ok(fx.discovery.scopes_supported.includes('client_metadata'));
    assert.ok(fx.discovery.claims_supported.includes('client_user_metadata'));
  });

  test('PATCH /userinfo sets, regenerates and clears client_user_metadata with 204 (EIS §3.6.3–3.6.4)', async () => {
    const s = await signIn({ client, patient: 'p9', vtr: ['P9.Cp.Cd'], scope: 'openid profile client_metadata' });
    const at = s.token.body.access_token;
    assert.equal((await userinfo(at, fx)).body.client_user_metadata, undefined, 'no value held: the claim is left out');
    const set = await patch(at, { client_user_metadata: 'account-42' });
    assert.equal(set.status, 204);
    assert.equal(await set.text(), '', 'no body');
    assert.equal((await userinfo(at, fx)).body.client_user_metadata, 'account-42');
    // "auto": a random number encrypted with PKCS1_OAEP under the client's public key, base64url.
    assert.equal((await patch(at, { client_user_metadata: 'auto' })).status, 204);
    const auto = (await userinfo(at, fx)).body.client_user_metadata;
    assert.match(auto, /^[A-Za-z0-9_-]{300,}$/);
    const key = await subtle.importKey('jwk', { ...client.key.privateJwk, alg: undefined, key_ops: undefined }, { name: 'RSA-OAEP', hash: 'SHA-1' }, false, ['decrypt']);
    const number = new TextDecoder().decode(await subtle.decrypt({ name: 'RSA-OAEP' }, key, Buffer.from(auto, 'base64url')));
    assert.match(number, /^\d+$/);
    // Exactly 1024 characters is allowed; "" clears it.
    assert.equal((await patch(at, { client_user_metadata: 'x'.repeat(1024) })).status, 204);
    assert.equal((await userinfo(at, fx)).body.client_user_metadata.length, 1024);
    assert.equal((await patch(at, { client_user_metadata: '' })).status, 204);
    assert.equal((await userinfo(at, fx)).body.client_user_metadata, undefined);
  });

  test('PATCH /userinfo refuses what the EIS does not allow', async () => {
    const s = await signIn({ client, patient: 'p5', vtr: ['P5.Cp.Cd'], scope: 'openid profile client_metadata' });
    const at = s.token.body.access_token;
    const json = async (res) => ({ status: res.status, body: await res.json(), auth: res.headers.get('www-authenticate') });
    const tooLong = await json(await patch(at, { client_user_metadata: 'x'.repeat(1025) }));
    assert.deepEqual([tooLong.status, tooLong.body.error, tooLong.auth], [400, 'invalid_request', null]);
    assert.match(tooLong.body.error_description, /longer than 1024/);
    assert.equal((await json(await patch(at, { client_user_metadata: 7 }))).body.error, 'invalid_request');
    assert.equal((await json(await patch(at, { client_user_metadata: 'a', sub: 'x' }))).body.error, 'invalid_request');
    assert.equal((await json(await patch(at, '[1]'))).body.error, 'invalid_request');
    assert.equal((await json(await patch(at, 'not json'))).body.error, 'invalid_request');
    assert.equal((await json(await patch(at, { client_user_metadata: 'a' }, { 'content-type': 'text/plain' }))).body.error, 'invalid_request');
    // Bearer errors: in WWW-Authenticate only, no body (EIS §3.6.2.2).
    for (const token of [undefined, 'garbage']) {
      const res = await patch(token, { client_user_metadata: 'a' });
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate'), /^Bearer error="invalid_token"/);
      assert.equal(await res.text(), '');
    }
    // Without the client_metadata scope: 403 insufficient_scope.
    const plain = await signIn({ client, patient: 'p5', vtr: ['P5.Cp.Cd'], scope: 'openid profile' });
    const res = await patch(plain.token.body.access_token, { client_user_metadata: 'a' });
    assert.equal(res.status, 403);
    assert.match(res.headers.get('www-authenticate'), /error="insufficient_scope".*scope="client_metadata"/);
    // A browser (cross-origin) call is refused, as GET /userinfo is.
    assert.equal((await patch(at, { client_user_metadata: 'a' }, { origin: 'https://spa.example' })).status, 400);
    // Nothing of the above changed the value.
    assert.equal((await userinfo(at, fx)).body.client_user_metadata, undefined);
  });

  test('settings page: reached with a one-time assertion; missing, expired, replayed or badly signed refused', async () => {
    const s = await signIn({ client, patient: 'p9', vtr: ['P9.Cp.Cd'], scope: 'openid profile' });
    const open = (jwt) => fetch(`${fx.op.endpoints.settings}${jwt === undefined ? '' : `?asserted_login_identity=${jwt}`}`, { redirect: 'manual' });
    const good = await ssoJwt(s.claims.jti);
    const first = await open(good);
    assert.equal(first.status, 200);
    assert.match(await first.text(), /<h1>Manage your NHS login<\/h1>[\s\S]*Signed in as Alice Pennington/);
    const refused = {
      missing: undefined,
      replayed: good,
      expired: await ssoJwt(s.claims.jti, { iat: nowSeconds() - 120, exp: nowSeconds() - 60 }),
      'bad signature': await ssoJwt(s.claims.jti, {}, otherKey),
    };
    for (const [name, jwt] of Object.entries(refused)) {
      const res = await open(jwt);
      assert.equal(res.status, 400, name);
      const html = await res.text();
      assert.match(html, /Sorry, there is a problem/, name);
      assert.doesNotMatch(html, /Manage your NHS login<\/h1>/, name);
    }
  });

  test('NHS App hand-off: opens the service with a fresh one-time assertedLoginIdentity; only registered origins', async () => {
    const service = 'http://127.0.0.1:8080/start?journey=x';
    const pageRes = await fetch(`${fx.op.endpoints.nhsApp}?service=${encodeURIComponent(service)}`);
    assert.equal(pageRes.status, 200);
    assert.match(await pageRes.text(), /NHS App \(simulated\)/);
    const res = await fetch(`${fx.op.endpoints.nhsApp}?service=${encodeURIComponent(service)}&patient=p5`, { redirect: 'manual' });
    assert.equal(res.status, 303);
    const to = new URL(res.headers.get('location'));
    assert.equal(`${to.origin}${to.pathname}`, 'http://127.0.0.1:8080/start');
    assert.deepEqual([...to.searchParams.keys()], ['journey', 'assertedLoginIdentity'], 'appended last (APPDOCS)');
    const { header, payload } = decodeJwt(to.searchParams.get('assertedLoginIdentity'));
    assert.equal(header.alg, 'RS512');
    assert.equal(payload.iss, 'nhs-online');
    assert.ok(payload.exp - payload.iat <= 60);
    // The service forwards it with prompt=none: signed in as that patient without a login page.
    const request = await authorizeRequest({
      client, prompt: 'none', scope: 'openid profile', vtr: ['P5.Cp.Cd'], extra: { asserted_login_identity: to.searchParams.get('assertedLoginIdentity') },
    });
    const { callback, seen } = await authorize(new CookieJar(), request);
    assert.ok(!seen.includes('login'), `no login page: ${seen}`);
    const token = await exchangeCode(client, request, callback);
    assert.equal((await verifyProviderJwt(token.body.id_token, fx)).sub, patients.p5.sub);
    // One-time: the same hand-off JWT again is refused.
    const again = await authorize(new CookieJar(), { ...request, url: request.url });
    assert.equal(again.callback.searchParams.get('error'), 'invalid_request');
    // Never an open redirect.
    for (const bad of ['https://evil.example/', 'http://127.0.0.1:9999/x', 'not a url']) {
      const r = await fetch(`${fx.op.endpoints.nhsApp}?service=${encodeURIComponent(bad)}&patient=p9`, { redirect: 'manual' });
      assert.equal(r.status, 400, bad);
      assert.equal(r.headers.get('location'), null);
    }
  });

  test('step-up P5 → P9 with an asserted_login_identity: no login page, straight to the uplift page (DOCS step-up-p5-p9)', async () => {
    const jar = new CookieJar();
    const first = await signIn({ jar, client, patient: 'p5', vtr: ['P5.Cp.Cd'], scope: 'openid profile' });
    assert.equal(first.claims.vot, 'P5.Cp.Cd');
    const request = await authorizeRequest({ client, scope: 'openid profile', vtr: ['P9.Cp.Cd'], extra: { asserted_login_identity: await ssoJwt(first.claims.jti) } });
    const { callback, seen } = await authorize(new CookieJar(), request);
    assert.equal(seen[0], 'uplift', `the first page is the uplift page: ${seen}`);
    assert.ok(!seen.includes('login'));
    const token = await exchangeCode(client, request, callback);
    assert.equal(token.status, 200, JSON.stringify(token.body));
    const claims = await verifyProviderJwt(token.body.id_token, fx);
    assert.equal(claims.sub, patients.p5.sub);
    assert.equal(claims.vot, 'P9.Cp.Cd');
    assert.equal(claims.identity_proofing_level, 'P9');
  });
});

describe('NHS App entry below the level (issue 12)', () => {
  let fx;
  const client = { clientId: 'entry-client', redirectUri: REDIRECT_URI };
  before(async () => {
    Object.assign(client, await makeClient(client.clientId));
    fx = await openFixtureFor([client]);
  });
  after(async () => { await fx?.op.close(); });

  test('prompt=none with an assertion for a patient below the vtr → sso_login_required, no page', async () => {
    const res = await fetch(`${fx.op.endpoints.nhsApp}?service=${encodeURIComponent('http://127.0.0.1:8080/')}&patient=p5`, { redirect: 'manual' });
    const jwt = new URL(res.headers.get('location')).searchParams.get('assertedLoginIdentity');
    const request = await authorizeRequest({ client, prompt: 'none', scope: 'openid profile', vtr: ['P9.Cp.Cd'], extra: { asserted_login_identity: jwt } });
    const { callback, seen } = await authorize(new CookieJar(), request);
    assert.deepEqual(seen, []);
    assert.equal(callback.searchParams.get('error'), 'sso_login_required');
    assert.equal(callback.searchParams.get('state'), request.state);
  });
});

describe('registration journey (DOCS testing-scenarios, "Registration")', () => {
  let fx;
  const client = { clientId: 'registration-client', redirectUri: REDIRECT_URI };
  before(async () => {
    Object.assign(client, await makeClient(client.clientId));
    fx = await openFixtureFor([client]);
  });
  after(async () => { await fx?.op.close(); });

  test('a new patient registers at P0, P5 or P9 and comes back with a vot at that level', async () => {
    const fixed = new Set(patientList.map((p) => p.sub));
    const subs = new Set();
    for (const [vtr, pages, level] of [[['P0.Cp'], ['login', 'consent'], 'P0'], [['P5.Cp.Cd'], ['login', 'uplift', 'consent'], 'P5'], [['P9.Cp.Cd'], ['login', 'uplift', 'consent'], 'P9']]) {
      const s = await signIn({ client, patient: 'new', vtr, scope: 'openid profile email' });
      assert.deepEqual(s.seen, pages, level);
      assert.match(s.pages.login, /Create an NHS login \(register a new patient\)/);
      assert.equal(s.claims.vot, vtr[0]);
      assert.equal(s.claims.identity_proofing_level, level);
      assert.ok(!fixed.has(s.claims.sub) && !subs.has(s.claims.sub), 'a new sub each time');
      subs.add(s.claims.sub);
      if (level === 'P0') assert.equal(s.claims.nhs_number, undefined);
      else assert.ok(isValidNhsNumber(s.claims.nhs_number));
      const info = await userinfo(s.token.body.access_token, fx);
      assert.equal(info.body.sub, s.claims.sub);
      assert.match(info.body.email, /^robin\.newcombe\.\d+@example\.org$/);
    }
  });
});
