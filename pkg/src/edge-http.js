// The edge handler's HTTP vocabulary: its error answers, its JSON responses,
// and reading a body stream with a size cap.

/** An HTTP error answer: `{ error, error_description }` with a status (and headers). */
export class HttpError extends Error {
  /**
   * @param {number} status
   * @param {string} error the OAuth-style error code
   * @param {string} description the error_description (never a secret)
   * @param {Record<string, string>} [headers] extra response headers
   * @param {'nhs_login'} [source] set when the error is NHS login's (its refusal passed
   *   through, or no usable answer from it), so that the page can tell it from the edge's own
   */
  constructor(status, error, description, headers, source) {
    super(description);
    this.status = status;
    this.error = error;
    this.headers = headers;
    this.source = source;
  }
}

/**
 * A JSON response that no cache keeps (tokens and sessions must not be cached).
 * @param {number} status
 * @param {unknown} body
 * @param {Record<string, string>} [headers] added to (or replacing) the defaults
 * @returns {Response}
 */
export function jsonResponse(status, body, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache', ...headers },
  });
}

/**
 * What an error thrown while handling a request is answered with: an
 * HttpError as itself; anything else as a 500 that says nothing of its cause
 * (`internal` is then true: the caller logs it).
 * @param {unknown} e
 * An error of NHS login's carries `error_source: "nhs_login"` (an RFC 6749
 * §5.2 extension member), which `NhsLogin` reports as the reason.
 * @returns {{ status: number, body: { error: string, error_description: string, error_source?: 'nhs_login' }, headers?: Record<string, string>, internal: boolean }}
 */
export function errorAnswer(e) {
  if (e instanceof HttpError) {
    const body = { error: e.error, error_description: e.message, ...(e.source ? { error_source: e.source } : {}) };
    return { status: e.status, body, headers: e.headers, internal: false };
  }
  return { status: 500, body: { error: 'server_error', error_description: 'internal error' }, headers: undefined, internal: true };
}

/**
 * Reads a body stream up to `limit` bytes; a larger body fails fast with
 * `onTooLarge()` (the stream is cancelled).
 * @param {ReadableStream<Uint8Array> | null} body
 * @param {number} limit
 * @param {() => Error} onTooLarge
 * @returns {Promise<Uint8Array>}
 */
export async function readLimited(body, limit, onTooLarge) {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.cancel().catch(() => {});
      throw onTooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/**
 * Parses text as a JSON object; undefined for anything else (not JSON, null,
 * an array, a number...).
 * @param {string} text
 * @returns {Record<string, unknown> | undefined}
 */
export function jsonObjectOf(text) {
  let v;
  try {
    v = JSON.parse(text);
  } catch {}
  return v === null || typeof v !== 'object' || Array.isArray(v) ? undefined : v;
}
