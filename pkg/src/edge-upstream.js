// Calls to NHS login: only the fixed endpoint URLs of the configuration,
// with a time-out, a size cap, no redirects, and answers judged by status
// first. Failures become HttpErrors (502/504 for NHS login's faults, NHS
// login's own error otherwise) and a log event without secrets.
import { HttpError, readLimited, jsonObjectOf } from './edge-http.js';

const MAX_UPSTREAM = 256 * 1024; // answers from NHS login
const dec = new TextDecoder();
const timedOut = (e) => Boolean(e && (e.name === 'TimeoutError' || e.name === 'AbortError'));

/**
 * An error that is NHS login's (its refusal, no answer in time, or an answer
 * the handler cannot use): answered with `error_source: "nhs_login"`.
 * @param {number} status
 * @param {string} error
 * @param {string} description
 */
export const upstreamError = (status, error, description) => new HttpError(status, error, description, undefined, 'nhs_login');

/**
 * The RFC 6750 §3 challenge of an answer: `Bearer error="invalid_token",
 * error_description="..."`. Returns { header, error, description }, each
 * undefined when absent or malformed; the header is capped at 1 KiB.
 * @param {Headers} headers
 * @returns {{ header?: string, error?: string, description?: string }}
 */
export function bearerChallenge(headers) {
  const h = headers.get('www-authenticate') ?? '';
  const param = (name) => new RegExp(`(?:^|[\\s,])${name}="([^"\\\\]{0,512})"`, 'i').exec(h)?.[1];
  const error = param('error');
  return {
    header: /^bearer(?:\s|$)/i.test(h) && h.length <= 1024 ? h : undefined,
    // RFC 6749 A.7: error codes are printable ASCII without quote or backslash.
    error: error && /^[\x20\x21\x23-\x5b\x5d-\x7e]{1,128}$/.test(error) ? error : undefined,
    description: param('error_description'),
  };
}

/**
 * NHS login's error answer as the handler's: RFC 6749 5.2 error bodies are
 * passed through (error and description only, capped); without a JSON body,
 * RFC 6750 §3's WWW-Authenticate `error` is used. A 4xx keeps its status,
 * anything else becomes 502. Logs `upstream_error`.
 * @param {Pick<UpstreamAnswer, 'status' | 'headers' | 'json'>} r
 * @param {string} what the request, for messages ("token", "userinfo")
 * @param {(event: object) => void} [log]
 * @returns {HttpError}
 */
export function passThroughError(r, what, log = () => {}) {
  const { status } = r;
  const challenge = bearerChallenge(r.headers);
  const error = typeof r.json?.error === 'string' ? r.json.error.slice(0, 128) : (challenge.error ?? 'server_error');
  const description =
    typeof r.json?.error_description === 'string'
      ? r.json.error_description.slice(0, 512)
      : (challenge.description ?? `NHS login answered the ${what} request with HTTP ${status}${r.json ? '' : ' and no JSON error'}`);
  log({ event: 'upstream_error', what, status, error });
  // RFC 6749 §5.2: invalid_client is the client authentication failing — for
  // private_key_jwt, one of three settings of this handler.
  // (NHS login's own words shortened so that the whole stays within 512 characters.)
  const said = error === 'invalid_client' ? `${description.slice(0, 160)} — ${INVALID_CLIENT_HINT}` : description;
  return upstreamError(status >= 400 && status < 500 ? status : 502, error, said);
}

/** What to check when NHS login refuses the client assertion (EIS Table 6). */
export const INVALID_CLIENT_HINT =
  "NHS login refused this client's authentication: check that `clientId` is the client id NHS login registered for this environment, " +
  'that the public key registered with NHS login is the pair of `privateKey`, and that `keyId` equals the kid registered with that key';

/**
 * The JSON object of a success answer; a 502 (logged) when there is none.
 * @param {Pick<UpstreamAnswer, 'status' | 'json'>} r
 * @param {string} what
 * @param {(event: object) => void} [log]
 * @returns {Record<string, any>}
 */
export function jsonOf(r, what, log = () => {}) {
  if (r.json) return r.json;
  log({ event: 'upstream_not_json', what, status: r.status });
  throw upstreamError(502, 'server_error', `NHS login's ${what} answer is not a JSON object (HTTP ${r.status})`);
}

/**
 * An answer of NHS login: `json` is its body when that is a JSON object.
 * @typedef {{ status: number, headers: Headers, json?: Record<string, any>, text: string }} UpstreamAnswer
 */
/**
 * Calls NHS login: resolves to any answer it gives (an error status too);
 * rejects with an HttpError when there is none in time, or it is too large or
 * cut off. `what` names the request in messages and log events.
 * @typedef {(url: string, init: RequestInit, what: string) => Promise<UpstreamAnswer>} Upstream
 */

/**
 * The caller of NHS login for a configuration.
 * @param {Pick<import('./edge-config.js').EdgeConfig, 'fetch' | 'timeoutMs' | 'log'>} config
 * @returns {Upstream}
 */
export function createUpstream({ fetch: doFetch, timeoutMs, log }) {
  return async function upstream(url, init, what) {
    let res;
    try {
      res = await doFetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      const late = timedOut(e);
      log({ event: 'upstream_failed', what, reason: late ? 'timeout' : 'unreachable' });
      throw late
        ? upstreamError(504, 'temporarily_unavailable', `NHS login did not answer the ${what} request within ${timeoutMs} ms`)
        : upstreamError(502, 'temporarily_unavailable', `NHS login could not be reached for the ${what} request`);
    }
    let bytes;
    try {
      bytes = await readLimited(res.body, MAX_UPSTREAM, () => upstreamError(502, 'server_error', `NHS login's ${what} answer is too large`));
    } catch (e) {
      if (e instanceof HttpError) {
        log({ event: 'upstream_too_large', what, status: res.status });
        throw e;
      }
      const late = timedOut(e);
      log({ event: 'upstream_failed', what, reason: late ? 'timeout' : 'truncated' });
      throw upstreamError(late ? 504 : 502, 'temporarily_unavailable', `NHS login's ${what} answer was cut off`);
    }
    // Judged by status first: an error answer need not have a JSON body
    // (NHS login's userinfo 401 has none, EIS §3.6.2.2). `json` is undefined
    // when the body is not a JSON object; each caller decides what that means.
    const text = dec.decode(bytes);
    return { status: res.status, headers: res.headers, json: jsonObjectOf(text), text };
  };
}
