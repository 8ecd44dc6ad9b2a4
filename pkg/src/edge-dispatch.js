// The edge handler's front door: route lookup under the base path, the Origin
// checks (CORS for the allowed origins, CSRF defence for the cookie routes),
// preflights, and every error turned into a JSON answer.
import { preload } from './core.js';
import { HttpError, jsonResponse, errorAnswer } from './edge-http.js';

/**
 * The CORS headers a response gets for a request from `origin`: the origin
 * and credentials when it is allowed, none otherwise. (Every response also
 * gets `Vary: Origin`.)
 * @param {string | null} origin
 * @param {Set<string>} allowedOrigins
 * @returns {Record<string, string>}
 */
export function corsHeaders(origin, allowedOrigins) {
  // Date is not a CORS-safelisted response header: exposed, so that a page on
  // another origin can read the edge's clock (NhsLogin's clock correction).
  return origin && allowedOrigins.has(origin)
    ? { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', 'access-control-expose-headers': 'Date' }
    : {};
}

/**
 * What a request to a known route may do, judged by its method and Origin:
 * `{ preflight }` (the headers of the 204 answer to an OPTIONS request) or
 * `{ handler }`. Cross-origin calls only from the allowed origins;
 * state-changing routes need an Origin at all (CSRF defence for the cookie
 * routes).
 * @param {string} method
 * @param {string | null} origin
 * @param {Record<string, Function>} route method → handler
 * @param {Set<string>} allowedOrigins
 * @returns {{ preflight?: Record<string, string>, handler?: Function }}
 * @throws {HttpError} 403 forbidden_origin, or 405 method_not_allowed (with Allow)
 */
export function admit(method, origin, route, allowedOrigins) {
  if (origin !== null && !allowedOrigins.has(origin)) {
    throw new HttpError(403, 'forbidden_origin', `the origin ${shownOrigin(origin)} is not allowed: add it to the edge's option \`allowedOrigins\` (or serve the page from the edge's own origin)`);
  }
  if (method === 'OPTIONS') {
    if (origin === null) throw new HttpError(403, 'forbidden_origin', 'a preflight needs an Origin');
    return { preflight: preflightHeaders(route) };
  }
  const handler = Object.hasOwn(route, method) ? route[method] : undefined;
  if (!handler) throw new HttpError(405, 'method_not_allowed', `use ${Object.keys(route).join(' or ')}`, { allow: Object.keys(route).join(', ') });
  if ((method === 'POST' || method === 'PATCH') && origin === null) throw new HttpError(403, 'forbidden_origin', `${method} requests need an Origin header`);
  return { handler };
}

/**
 * An Origin header as the error message shows it: a well-formed origin
 * (RFC 6454 §6.1) quoted, anything else not echoed (it is the client's text).
 * @param {string} origin
 * @returns {string}
 */
export function shownOrigin(origin) {
  return origin.length <= 200 && /^(?:null|[a-z][a-z0-9+.-]*:\/\/[A-Za-z0-9.\-[\]:]+)$/.test(origin) ? `"${origin}"` : '(a malformed Origin header)';
}

/**
 * The route of a path: undefined outside the base path or for an unknown route.
 * @param {string} pathname
 * @param {string} base the base path without a trailing "/"
 * @param {Record<string, Record<string, Function>>} routes
 * @returns {{ inBase: boolean, route?: Record<string, Function> }}
 */
export function routeOf(pathname, base, routes) {
  if (pathname !== base && !pathname.startsWith(`${base}/`)) return { inBase: false };
  const path = pathname.slice(base.length);
  return { inBase: true, route: Object.hasOwn(routes, path) ? routes[path] : undefined };
}

/**
 * The headers of a preflight answer for a route.
 * @param {Record<string, Function>} route method → handler
 * @returns {Record<string, string>}
 */
export function preflightHeaders(route) {
  return {
    'access-control-allow-methods': Object.keys(route).join(', '),
    'access-control-allow-headers': 'content-type, authorization',
    'access-control-max-age': '600',
    'cache-control': 'no-store',
  };
}

/**
 * The handler: dispatches requests to `routes`, answers every error as JSON.
 * @param {Pick<import('./edge-config.js').EdgeConfig, 'allowedOrigins' | 'base' | 'log'>} config
 * @param {Record<string, Record<string, (request: Request) => Promise<Response>>>} routes
 * @param {() => void} assertIssuer throws while the configured issuer is wrong
 * @returns {(request: Request) => Promise<Response>}
 */
export function createDispatcher({ allowedOrigins, base, log }, routes, assertIssuer) {
  const cors = (response, origin) => {
    for (const [name, value] of Object.entries(corsHeaders(origin, allowedOrigins))) response.headers.set(name, value);
    response.headers.append('vary', 'Origin');
    return response;
  };
  let warm;
  return async function handle(request) {
    const url = new URL(request.url);
    const origin = request.headers.get('origin');
    // The first request starts loading the wasm, so it overlaps with the call to NHS login.
    warm ??= preload();
    const { inBase, route } = routeOf(url.pathname, base, routes);
    if (!inBase) return cors(jsonResponse(404, { error: 'not_found', error_description: 'no such route' }), origin);
    try {
      if (!route) throw new HttpError(404, 'not_found', 'no such route');
      assertIssuer();
      const { preflight, handler } = admit(request.method, origin, route, allowedOrigins);
      if (preflight) return cors(new Response(null, { status: 204, headers: preflight }), origin);
      return cors(await handler(request), origin);
    } catch (e) {
      const { status, body, headers, internal } = errorAnswer(e);
      if (internal) log({ event: 'internal_error', name: e && e.name });
      return cors(jsonResponse(status, body, headers), origin);
    }
  };
}
