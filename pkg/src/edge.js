// nhs-login-client/edge: the server half every SPA using NHS login needs.
//
// NHS login authenticates clients at its token endpoint with private_key_jwt
// only (EIS §3.5, Table 6; RFC 7523), and its token, userinfo and JWKS
// endpoints are meant for back-end calls. This module is a Web-standard
// `(Request) => Promise<Response>` handler (fetch, crypto.subtle, Request,
// Response only) that holds the private key as a non-extractable WebCrypto key,
// exchanges codes for the SPA, keeps the refresh token in an encrypted
// HttpOnly cookie, and serves cached copies of NHS login's JWKS and discovery.
//
// It only ever calls the endpoints fixed in its options: no URL is taken from
// a request. Secrets (the key, assertions, tokens) never appear in an error or
// in a log event.
//
// The parts, each in a module of its own:
//   edge-config.js     options → frozen configuration (invalid_option)
//   edge-upstream.js   calls to NHS login: time-out, size cap, status first
//   edge-signing.js    client assertion and SSO assertion (RS512 JWTs)
//   edge-cookie.js     the AES-GCM session cookie
//   edge-store.js      sessions in a store (memory, Workers KV), ended by sign-out
//   edge-refresh.js    a refresh token presented at most once per isolate
//   edge-ratelimit.js  the /token rate limit
//   edge-documents.js  cached JWKS and discovery, the issuer check
//   edge-routes.js     /token, /refresh, /userinfo, /sso-assertion, /sign-out, /jwks, discovery
//   edge-dispatch.js   routing, Origin checks and CORS, errors as JSON
import { parseEdgeOptions } from './edge-config.js';
import { createUpstream } from './edge-upstream.js';
import { createSigner } from './edge-signing.js';
import { createSessionCookie } from './edge-cookie.js';
import { createSessions } from './edge-store.js';
import { createDocuments } from './edge-documents.js';
import { createRoutes } from './edge-routes.js';
import { createDispatcher } from './edge-dispatch.js';

export { bearerChallenge } from './edge-upstream.js';
export { memorySessionStore, kvSessionStore } from './edge-store.js';

/**
 * Creates the edge handler. Throws `invalid_option` (an NhsLoginError) at once
 * for a configuration mistake: missing clientId, privateKey not PKCS#8, a
 * non-https endpoint, no allowedOrigins or redirectUris, a bad cookie secret.
 *
 * @param {Partial<import('../edge.js').EdgeHandlerOptions>} [o] see README "Edge handler" and edge.d.ts
 * @returns {(request: Request) => Promise<Response>}
 */
export function createEdgeHandler(o = {}) {
  const config = parseEdgeOptions(o);
  const upstream = createUpstream(config);
  const documents = createDocuments(config, upstream);
  const routes = createRoutes(config, { upstream, signer: createSigner(config), cookie: createSessions(config, createSessionCookie(config)), documents });
  return createDispatcher(config, routes, documents.assertIssuer);
}
