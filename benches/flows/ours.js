// The SPA flow with our package: one import, NHS login knowledge (endpoints,
// vtr syntax, vot check, RS512-only) built in.
import { createAuthorizationRequest, parseCallback, validateIdToken } from 'nhs-login-client';

/** Step 1: the authorization URL (PKCE S256, state, nonce) to send the browser to. */
export async function login({ clientId, redirectUri, vtr }) {
  return createAuthorizationRequest({ environment: 'production', clientId, redirectUri, vtr });
  // -> { url, state, nonce, codeVerifier } for the app to keep in sessionStorage
}

/** Step 2: the redirect back; checks state (and RFC 9207 iss), returns the code. */
export async function callback(url, { state }) {
  return parseCallback(url, { state, environment: 'production' });
}

/**
 * Step 3 (after the code exchange): the ID token. RS512 signature against the
 * JWKS, iss, aud, exp/iat, nonce and vot. Resolves to the claims.
 */
export async function validate(idToken, { clientId, jwks, nonce, vtr, now }) {
  return validateIdToken(idToken, { environment: 'production', clientId, jwks, nonce, vtr, now });
}
