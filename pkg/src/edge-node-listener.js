// nhs-login-client/edge/node: the edge handler (a Web-standard
// `(Request) => Promise<Response>`) as a Node `(req, res)` listener, for
// `http.createServer`, Express or Connect.
//
// Streaming both ways: the request body reaches the handler as a
// ReadableStream pulled from the socket (at most one chunk read ahead), with
// a byte limit counted as it arrives; the response body is written as the
// handler produces it, waiting for `drain`. A client that goes away aborts the
// Request's `signal` and cancels the response body.
//
// What a client sends about itself is not trusted unless told: without
// `trustForwardedHeaders`, the URL is built from the Host header and the
// socket (http unless TLS), client-sent `Forwarded`, `X-Forwarded-*` and
// `CF-Connecting-IP` headers are dropped, and `X-Forwarded-For` is set to the
// socket's peer address (so the handler's per-client rate limit keys on the
// address that connected, not on one the client made up).
import { createEdgeHandler, memorySessionStore, kvSessionStore } from './edge.node.js';
import { NhsLoginError } from './core.js';
import { jsonResponse } from './edge-http.js';

export { createEdgeHandler, memorySessionStore, kvSessionStore };

/** The default body limit: the edge handler's own (16 KiB, its largest JSON body). */
const DEFAULT_BODY_LIMIT = 16 * 1024;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'http2-settings']);
const UNTRUSTED = (name) => name === 'forwarded' || name.startsWith('x-forwarded-') || name === 'cf-connecting-ip' || name === 'x-real-ip';

const invalidOption = (field, rule) => new NhsLoginError('invalid_option', `option \`${field}\` ${rule}`, { field });

/** The body was read before the listener ran (a body parser mounted first). */
class BodyAlreadyRead extends Error {}

/** Thrown into the request body stream when it passes the limit. */
class BodyTooLarge extends Error {}

/**
 * The edge handler as a Node listener.
 * @param {(request: Request) => Promise<Response>} handler from createEdgeHandler
 * @param {{ bodyLimit?: number, trustForwardedHeaders?: boolean }} [options]
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => Promise<void>}
 */
export function toNodeListener(handler, options = {}) {
  if (typeof handler !== 'function') throw invalidOption('handler', 'must be the function createEdgeHandler returns');
  if (options === null || typeof options !== 'object') throw invalidOption('options', 'must be an object');
  const { bodyLimit = DEFAULT_BODY_LIMIT, trustForwardedHeaders = false } = options;
  if (!Number.isSafeInteger(bodyLimit) || bodyLimit < 0) throw invalidOption('bodyLimit', 'must be a whole number of bytes, 0 or more');
  if (typeof trustForwardedHeaders !== 'boolean') throw invalidOption('trustForwardedHeaders', 'must be true or false');

  // Node ignores what a listener returns: a rejection would be unhandled (and end the process), so none escapes.
  return async function nodeListener(req, res) {
    try {
      await answer(req, res);
    } catch {
      res.destroy();
    }
  };

  async function answer(req, res) {
    const aborter = new AbortController();
    // 'close' before the response is finished: the client went away.
    res.on('close', () => {
      if (!res.writableFinished) aborter.abort(new Error('the client closed the connection'));
    });
    let request;
    try {
      request = toRequest(req, { bodyLimit, trustForwardedHeaders, signal: aborter.signal, onTooLarge: () => tooLarge(req, res, bodyLimit) });
    } catch (e) {
      if (e instanceof BodyTooLarge) return tooLarge(req, res, bodyLimit);
      if (e instanceof BodyAlreadyRead) return send(req, res, errorResponse(500, 'server_error', e.message), aborter.signal);
      return send(req, res, errorResponse(400, 'invalid_request', e.message), aborter.signal);
    }
    let response;
    try {
      response = await handler(request);
    } catch {
      // createEdgeHandler's handler answers every error itself; this is a handler that threw.
      response = errorResponse(500, 'server_error', 'internal error');
    }
    if (res.headersSent || res.destroyed) {
      // Already answered (413) or the client is gone: the handler's answer is dropped.
      await response.body?.cancel().catch(() => {});
      return;
    }
    await send(req, res, response, aborter.signal);
  }
}

/** An answer in the edge handler's error shape. */
const errorResponse = (status, error, description) => jsonResponse(status, { error, error_description: description });

/** Answers 413 at once and closes the connection after it (the rest of the body is never read). */
function tooLarge(req, res, limit) {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(413, { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache', connection: 'close' });
  res.end(JSON.stringify({ error: 'invalid_request', error_description: `the request body is over ${limit} bytes` }));
  res.on('finish', () => req.destroy());
}

/**
 * A Web Request for a Node request.
 * @param {import('node:http').IncomingMessage & { originalUrl?: string }} req
 */
function toRequest(req, { bodyLimit, trustForwardedHeaders, signal, onTooLarge }) {
  const first = (v) => (v ?? '').split(',')[0].trim();
  const proto = trustForwardedHeaders && first(req.headers['x-forwarded-proto']) ? first(req.headers['x-forwarded-proto']) : req.socket.encrypted ? 'https' : 'http';
  const host = (trustForwardedHeaders && first(req.headers['x-forwarded-host'])) || req.headers.host || 'localhost';
  if (!/^https?$/.test(proto)) throw new Error('X-Forwarded-Proto must be http or https');
  if (!/^[A-Za-z0-9.\-:[\]]+$/.test(host)) throw new Error('the Host header is not a host name');
  // Express strips a mount path from req.url; originalUrl keeps it.
  const path = req.originalUrl ?? req.url ?? '/';
  if (!path.startsWith('/')) throw new Error('the request target must be a path');
  const url = new URL(`${proto}://${host}${path}`);

  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || name === 'host' || (!trustForwardedHeaders && UNTRUSTED(name))) continue;
    headers.append(name, req.rawHeaders[i + 1]);
  }
  if (!trustForwardedHeaders && req.socket.remoteAddress) headers.set('x-forwarded-for', req.socket.remoteAddress);

  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > bodyLimit) throw new BodyTooLarge();
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && (req.headers['transfer-encoding'] !== undefined || declared > 0);
  // Waiting for a stream that has already ended would hang the request.
  if (hasBody && (req.readableEnded || req.body !== undefined)) throw new BodyAlreadyRead('the request body was read before the edge handler ran: mount toNodeListener before body-parsing middleware');
  return new Request(url, {
    method: req.method,
    headers,
    signal,
    ...(hasBody ? { body: bodyStream(req, bodyLimit, onTooLarge), duplex: 'half' } : {}),
  });
}

/**
 * The request body as a ReadableStream, pulled from the socket: the socket is
 * paused whenever the stream holds a chunk nobody has read, so at most one
 * chunk (up to the socket's high-water mark) is buffered; over `limit` bytes
 * the stream errors and `onTooLarge()` answers 413.
 */
function bodyStream(req, limit, onTooLarge) {
  let received = 0;
  let settled = false;
  return new ReadableStream(
    {
      start(controller) {
        req.pause();
        req.on('data', (chunk) => {
          if (settled) return;
          received += chunk.byteLength;
          if (received > limit) {
            settled = true;
            req.pause();
            controller.error(new BodyTooLarge(`the request body is over ${limit} bytes`));
            onTooLarge();
            return;
          }
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if (controller.desiredSize <= 0) req.pause();
        });
        req.on('end', () => {
          if (settled) return;
          settled = true;
          controller.close();
        });
        // 'aborted' (Node 20) or an 'error': the client went away mid-body.
        const gone = () => {
          if (settled) return;
          settled = true;
          controller.error(new Error('the client closed the connection during the request body'));
        };
        req.on('aborted', gone);
        req.on('error', gone);
        req.on('close', () => {
          if (!req.complete) gone();
        });
      },
      pull() {
        req.resume();
      },
      cancel() {
        // The handler stopped reading (its own limit): nothing more is read.
        settled = true;
        req.pause();
      },
    },
    { highWaterMark: 1 },
  );
}

/**
 * Writes a Web Response to a Node response, streaming the body with
 * backpressure; stops (and cancels the body) if the client goes away.
 */
async function send(req, res, response, signal) {
  const headers = [];
  for (const [name, value] of response.headers) {
    if (name === 'set-cookie') continue;
    headers.push(name, value);
  }
  for (const cookie of response.headers.getSetCookie()) headers.push('set-cookie', cookie);
  // A body the handler did not read to the end (e.g. it answered 4xx before
  // reading it): close the connection after the answer rather than drain it.
  const declared = Number(req.headers['content-length']);
  const mayHaveBody = req.headers['transfer-encoding'] !== undefined || declared > 0;
  if (mayHaveBody && !req.complete && req.method !== 'GET' && req.method !== 'HEAD') {
    headers.push('connection', 'close');
    res.on('finish', () => req.destroy());
  }
  res.writeHead(response.status, response.statusText || undefined, headers);
  if (!response.body || req.method === 'HEAD') {
    await response.body?.cancel().catch(() => {});
    res.end();
    return;
  }
  const reader = response.body.getReader();
  const stop = () => reader.cancel(signal.reason).catch(() => {});
  signal.addEventListener('abort', stop, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) return;
      if (!res.write(value)) {
        await new Promise((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    }
    if (!res.destroyed) res.end();
  } catch {
    // The body failed or was cancelled (client gone): end the connection without a complete answer.
    res.destroy();
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
