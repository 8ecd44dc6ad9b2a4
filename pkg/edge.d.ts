// Type declarations for nhs-login-client/edge (hand-written).
import type { Environment, VectorOfTrust } from './index.js';

export interface EdgeHandlerOptions {
  /** NHS login environment (sets issuer and endpoints). */
  environment?: Environment;
  /** Issuer, exactly as in discovery (e.g. the local provider's `http://127.0.0.1:9000`). Overrides `environment`. */
  issuer?: string;
  /** Explicit endpoints; default `{issuer}/token`, `/userinfo`, `/.well-known/jwks.json`, `/.well-known/openid-configuration`. */
  tokenEndpoint?: string;
  userinfoEndpoint?: string;
  jwksUri?: string;
  discoveryUrl?: string;
  /** The client id NHS login issued. */
  clientId: string;
  /** The client's RSA private key, PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). Imported once, non-extractable. */
  privateKey: string;
  /** `kid` for the client assertion header. */
  keyId?: string;
  /** Origins of the SPA allowed to call the handler (CORS and CSRF check). */
  allowedOrigins: string[];
  /** The registered redirect URIs; `/token` refuses any other. */
  redirectUris: string[];
  /** Path prefix of the routes. Default `/auth`. */
  basePath?: string;
  /** Time-out for each call to NHS login. Default 10000. */
  timeoutMs?: number;
  /** 32 random bytes, base64url: the AES-GCM key of the session cookie (needed for /refresh, /userinfo, /sso-assertion). */
  cookieSecret?: string;
  /** Absolute session lifetime in seconds, enforced by the handler. Default 43200 (NHS login's 12-hour rule). */
  sessionSeconds?: number;
  /**
   * Inactivity limit in seconds (60 to `sessionSeconds`), enforced by the handler: a session not used for
   * this long is refused with 401 `login_required`. Default 1800 (NHS login's 30-minute rule).
   */
  idleSeconds?: number;
  /** The vectors of trust registered for the client; the ID token's `vot` must satisfy one. Default NHS login's (P9). */
  vtr?: VectorOfTrust[];
  /** Leeway for ID token times, 0 to 600. Default 60. */
  clockSkewSeconds?: number;
  /** `/token` requires the SPA's `nonce` and checks it (default true). `false` lets a SPA that checks the nonce itself omit it. */
  requireNonce?: boolean;
  /**
   * Protection of `POST /token` (each call signs with the private key and calls NHS login): a Cloudflare Workers
   * Rate Limiting binding (`env.MY_LIMITER`), `{ requests, periodSeconds }` for the built-in per-isolate token
   * bucket, or `false` (off). Default: the bucket with 10 calls per 60 s per client key. Over the limit:
   * 429 `slow_down` with `Retry-After`, before the body is read.
   */
  rateLimit?: false | { requests: number; periodSeconds: number } | { limit(options: { key: string }): Promise<{ success: boolean }> };
  /**
   * Where sessions live, so that sign-out ends every copy of the cookie: the cookie then carries only a random
   * session id. `memorySessionStore()` (one process) or `kvSessionStore(env.SESSIONS)` (Workers KV; eventually
   * consistent: other locations may see a sign-out up to 60 s late). Without it the sealed cookie is the whole
   * session, and sign-out cannot end a copy before its idle or absolute expiry. A failing store is
   * 503 `temporarily_unavailable`.
   */
  sessionStore?: SessionStore;
  /** The rate-limit key of a request. Default: `CF-Connecting-IP`, else the first `X-Forwarded-For` entry, else one shared key. */
  clientKey?: (request: Request) => string;
  /** Structured events (never containing secrets), e.g. for console.log. */
  log?: (event: { event: string; [k: string]: unknown }) => void;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch;
}

/** A session store: any async key-value store with expiry (Workers KV, Durable Objects, Redis, a database). */
export interface SessionStore {
  /** The session stored under `id`, or null (none, or expired). */
  get(id: string): Promise<Record<string, unknown> | null>;
  /** Stores the session for `ttlSeconds` (what is left of its idle window). */
  put(id: string, value: Record<string, unknown>, options: { ttlSeconds: number }): Promise<void>;
  delete(id: string): Promise<void>;
}

/** The subset of a Workers KV namespace binding that `kvSessionStore` uses. */
export interface KvNamespaceLike {
  get(key: string, type: 'json'): Promise<unknown>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Sessions in this process's memory: one Node server, tests. Not shared between processes or isolates. */
export declare function memorySessionStore(): SessionStore;

/**
 * Sessions on Cloudflare Workers KV (`kvSessionStore(env.SESSIONS)`). KV is eventually consistent: a sign-out
 * is seen at once where it happened and elsewhere within about 60 s. Keys are `prefix` + session id.
 */
export declare function kvSessionStore(namespace: KvNamespaceLike, options?: { prefix?: string }): SessionStore;

/**
 * Creates a Web-standard handler, tested in Cloudflare's workerd, Deno, Node 20+ (also behind `toNodeListener`
 * from `nhs-login-client/edge/node`) and Vercel's edge-runtime (the `edge-light` entry, wasm imported as a module).
 * Routes (under `basePath`): POST /token, POST /refresh, GET /userinfo, POST /sso-assertion, GET /session,
 * POST /sign-out, GET /jwks, GET /.well-known/openid-configuration. Throws an NhsLoginError with code
 * `invalid_option` for a configuration mistake.
 */
export declare function createEdgeHandler(options: EdgeHandlerOptions): (request: Request) => Promise<Response>;

/** Options of `toNodeListener` (`nhs-login-client/edge/node`). */
export interface NodeListenerOptions {
  /**
   * Largest request body in bytes, counted as it arrives (a larger `Content-Length` is refused before any of
   * the body is read): 413 `invalid_request` in the handler's JSON error shape, and the connection is closed.
   * Default 16384 (the handler's own limit).
   */
  bodyLimit?: number;
  /**
   * Default `false`: the request URL is built from the Host header and the socket (http unless TLS), client-sent
   * `Forwarded`, `X-Forwarded-*`, `X-Real-IP` and `CF-Connecting-IP` headers are dropped, and `X-Forwarded-For`
   * is set to the peer address (the per-client rate limit key). `true` only behind a reverse proxy that sets
   * these headers itself: `X-Forwarded-Proto` and `X-Forwarded-Host` then build the URL and the headers are
   * passed on as they are (pass a `clientKey` to createEdgeHandler that reads what your proxy sets).
   */
  trustForwardedHeaders?: boolean;
}

/** What `toNodeListener` reads of a Node request (`http.IncomingMessage`, Express's `req`). */
export interface NodeRequestLike {
  method?: string | undefined;
  url?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
}

/** What `toNodeListener` writes to (`http.ServerResponse`, Express's `res`). */
export interface NodeResponseLike {
  readonly headersSent: boolean;
  end(cb?: () => void): unknown;
}
