// JWTs the edge handler signs with the client's private key (RS512): the
// private_key_jwt client assertion and the single sign-on assertion. The key
// is imported once, non-extractable; it never leaves WebCrypto.
import { encode as toBase64url, encodeJson } from './base64url.js';
import { HttpError } from './edge-http.js';

const RS512 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' };

/**
 * The `typ` of SSO assertions: explicit typing (RFC 8725 §3.11), so that an
 * SSO assertion can never be taken for a client assertion (`typ: JWT`) or
 * the other way round, both being signed with the same key and `iss`.
 */
export const SSO_TYP = 'nhs-login-sso+jwt';

/**
 * The JWS header of a JWT the handler signs.
 * @param {string} [keyId] the `kid`, left out when empty
 * @param {string} [typ] default `JWT` (the client assertion, RFC 7523)
 * @returns {{ alg: 'RS512', typ: string, kid?: string }}
 */
export const jwtHeader = (keyId, typ = 'JWT') => ({ alg: 'RS512', typ, ...(keyId ? { kid: keyId } : {}) });

/**
 * The claims of the private_key_jwt client assertion (RFC 7523 §3, EIS Table 6).
 * @param {{ clientId: string, issuer: string, tokenEndpoint: string }} who
 * @param {number} now seconds since the epoch
 * @param {string} jti a fresh unique id
 */
export function clientAssertionClaims({ clientId, issuer, tokenEndpoint }, now, jti) {
  // aud: NHS login requires the token endpoint; the issuer is added as
  // RFC 7523 and newer OAuth profiles ask (Auth.js, vaccinations-app do the same).
  return { iss: clientId, sub: clientId, aud: [issuer, tokenEndpoint], jti, iat: now, exp: now + 60 };
}

/**
 * The claims of an SSO assertion for the session whose ID token had `code` as its jti.
 * @param {string} clientId
 * @param {string} code the ID token's jti
 * @param {number} now seconds since the epoch
 * @param {string} jti a fresh unique id
 */
export function ssoAssertionClaims(clientId, code, now, jti) {
  // NHS login single sign-on (EIS Table 1 asserted_login_identity; docs single-sign-on):
  // one-time JWT, iss = client id, code = the ID token's jti, lifetime at most 60 s.
  return { iss: clientId, jti, code, iat: now, exp: now + 60 };
}

/**
 * Signs a JWT (compact JWS) with an RS512 private key.
 * @param {CryptoKey} key RSASSA-PKCS1-v1_5 with SHA-512, usage "sign"
 * @param {object} header
 * @param {object} payload
 * @returns {Promise<string>}
 */
export async function signJwt(key, header, payload) {
  const input = `${encodeJson(header)}.${encodeJson(payload)}`;
  const sig = await crypto.subtle.sign(RS512, key, new TextEncoder().encode(input));
  return `${input}.${toBase64url(new Uint8Array(sig))}`;
}

/**
 * The signer of a configuration: `clientAssertion()` and `ssoAssertion(code)`
 * resolve to signed JWTs, each with a fresh jti and iat now. A key WebCrypto
 * cannot import is a 500 (tried again on the next request).
 * @param {Pick<import('./edge-config.js').EdgeConfig, 'clientId' | 'issuer' | 'endpoints' | 'privateKeyDer' | 'keyId'>} config
 */
export function createSigner({ clientId, issuer, endpoints, privateKeyDer, keyId }) {
  let signingKey;
  const signKey = () =>
    (signingKey ??= crypto.subtle.importKey('pkcs8', privateKeyDer, RS512, false, ['sign']).catch(() => {
      signingKey = undefined;
      throw new HttpError(500, 'server_error', 'the configured private key could not be imported (it must be an RSA PKCS#8 key)');
    }));
  const now = () => Math.floor(Date.now() / 1000);
  return {
    clientAssertion: async () => signJwt(await signKey(), jwtHeader(keyId), clientAssertionClaims({ clientId, issuer, tokenEndpoint: endpoints.token }, now(), crypto.randomUUID())),
    ssoAssertion: async (code) => signJwt(await signKey(), jwtHeader(keyId, SSO_TYP), ssoAssertionClaims(clientId, code, now(), crypto.randomUUID())),
  };
}
