// The SPA flow with `oauth4webapi`, as its users write it: its PKCE/state/nonce
// helpers, validateAuthResponse for the redirect, and for the ID token
// processAuthorizationCodeResponse (iss, aud, exp, iat, nonce; it takes the
// token endpoint's Response) followed by validateApplicationLevelSignature
// (the RS512 signature against the JWKS). The vot check is by hand.
import * as oauth from 'oauth4webapi';
import { NHS_LOGIN, checkVot } from './nhs.js';

// The authorization server metadata (what discovery would return), and the
// client. NHS login signs ID tokens with RS512; oauth4webapi expects RS256
// unless told.
const as = { ...NHS_LOGIN, id_token_signing_alg_values_supported: ['RS512'] };
// `now` (seconds), when given, becomes oauth4webapi's clock offset so the
// same fixed instant is used as with the other flows.
const clientFor = (clientId, clockSkewSeconds = 60, now) => ({
  client_id: clientId,
  id_token_signed_response_alg: 'RS512',
  [oauth.clockTolerance]: clockSkewSeconds,
  ...(now === undefined ? {} : { [oauth.clockSkew]: Math.round(now - Date.now() / 1000) }),
});

/** Step 1: the authorization URL (PKCE S256, state, nonce). */
export async function login({ clientId, redirectUri, vtr }) {
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const url = new URL(as.authorization_endpoint);
  const q = url.searchParams;
  q.set('response_type', 'code');
  q.set('client_id', clientId);
  q.set('redirect_uri', redirectUri);
  q.set('scope', 'openid');
  q.set('state', state);
  q.set('nonce', nonce);
  q.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
  q.set('code_challenge_method', 'S256');
  if (vtr) q.set('vtr', JSON.stringify(vtr));
  return { url: url.href, state, nonce, codeVerifier };
}

/** Step 2: the redirect back; state, provider errors and RFC 9207 iss. Returns the code. */
export async function callback(url, { state, clientId = 'spa' }) {
  // validateAuthResponse wants the client object; it does not check client_id.
  const params = oauth.validateAuthResponse(as, clientFor(clientId), new URL(url), state);
  return { code: params.get('code') };
}

/**
 * Step 3: the ID token. oauth4webapi validates ID tokens only as part of a
 * token endpoint response, so the token is wrapped in the Response the code
 * exchange (done by the app's backend or edge for NHS login's private_key_jwt)
 * would return. The JWKS is handed over through oauth4webapi's jwksCache
 * input instead of being fetched from jwks_uri.
 */
export async function validate(idToken, { clientId, jwks, nonce, vtr, now, clockSkewSeconds }) {
  const client = clientFor(clientId, clockSkewSeconds, now);
  const response = new Response(JSON.stringify({ access_token: 'opaque', token_type: 'Bearer', expires_in: 3600, id_token: idToken }), {
    headers: { 'content-type': 'application/json' },
  });
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: nonce, requireIdToken: true });
  await oauth.validateApplicationLevelSignature(as, response, { [oauth.jwksCache]: { jwks, uat: Math.floor(Date.now() / 1000) } });
  const claims = oauth.getValidatedIdTokenClaims(tokens);
  if (vtr) checkVot(claims.vot, vtr);
  return claims;
}
