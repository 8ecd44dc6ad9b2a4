// The SPA flow by hand with `jose` for the JWT: PKCE, state and nonce with
// WebCrypto, the callback with URLSearchParams, the ID token with jwtVerify
// against a local JWKS, plus the NHS login checks jose does not know (vot,
// nonce, iat in the future).
import { jwtVerify, createLocalJWKSet } from 'jose';
import { NHS_LOGIN, b64u, random, checkVot } from './nhs.js';

/** Step 1: the authorization URL (PKCE S256, state, nonce). */
export async function login({ clientId, redirectUri, vtr }) {
  const state = random();
  const nonce = random();
  const codeVerifier = random();
  const challenge = b64u(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(codeVerifier)));
  const url = new URL(NHS_LOGIN.authorization_endpoint);
  const q = url.searchParams;
  q.set('response_type', 'code');
  q.set('client_id', clientId);
  q.set('redirect_uri', redirectUri);
  q.set('scope', 'openid');
  q.set('state', state);
  q.set('nonce', nonce);
  q.set('code_challenge', challenge);
  q.set('code_challenge_method', 'S256');
  if (vtr) q.set('vtr', JSON.stringify(vtr));
  return { url: url.href, state, nonce, codeVerifier };
}

/** Step 2: the redirect back; checks state, provider errors and iss, returns the code. */
export async function callback(url, { state }) {
  const q = new URL(url).searchParams;
  if (q.get('state') !== state) throw new Error('state mismatch');
  if (q.has('error')) throw new Error(`NHS login error: ${q.get('error')} ${q.get('error_description') ?? ''}`);
  if (q.has('iss') && q.get('iss') !== NHS_LOGIN.issuer) throw new Error('unexpected iss');
  const code = q.get('code');
  if (!code) throw new Error('no code');
  return { code };
}

// createLocalJWKSet once per JWKS object (it caches the imported keys).
const jwksSets = new WeakMap();

/** Step 3: the ID token. RS512 signature, iss, aud, exp, iat, nonce, vot. */
export async function validate(idToken, { clientId, jwks, nonce, vtr, now = Date.now() / 1000, clockSkewSeconds = 60 }) {
  let keys = jwksSets.get(jwks);
  if (!keys) jwksSets.set(jwks, (keys = createLocalJWKSet(jwks)));
  const { payload } = await jwtVerify(idToken, keys, {
    issuer: NHS_LOGIN.issuer,
    audience: clientId,
    algorithms: ['RS512'],
    clockTolerance: clockSkewSeconds,
    currentDate: new Date(now * 1000),
    requiredClaims: ['exp', 'iat', 'sub', 'vot'],
  });
  if (payload.iat > now + clockSkewSeconds) throw new Error('iat is in the future');
  if (payload.nonce !== nonce) throw new Error('nonce mismatch');
  if (vtr) checkVot(payload.vot, vtr);
  return payload;
}
