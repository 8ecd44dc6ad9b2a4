// A deliberately faulty "NHS login" on loopback, for the fault cases only
// (time-outs, 5xx, non-JSON, oversized answers, error JSON, truncated and
// never-ending bodies, redirects, canned token answers). A real HTTP server,
// so that workerd can reach it as well as Node. The happy paths are tested
// against the real local provider (tests/provider/), never this.
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';

const JSON_TYPE = { 'content-type': 'application/json' };
export const JWKS_PATH = '/.well-known/jwks.json';
export const DISCOVERY_PATH = '/.well-known/openid-configuration';

export async function startFaultyUpstream() {
  const seen = [];
  let mode = 'ok';
  // Canned answers (edge-chaos.test.js): the JWKS served at JWKS_PATH whatever
  // the mode (when set), and the JSON object the token-answer modes send.
  let jwks;
  const pathModes = new Map(); // per-path mode, over `mode` and `jwks`
  let bomb; // 20 MiB of JSON-ish text, gzip'd to ~20 KiB (made on first use)
  let answer = { access_token: 'at', token_type: 'Bearer', expires_in: 300 };
  const timers = new Set();
  const later = (ms, fn) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const every = (ms, fn) => {
    const t = setInterval(fn, ms);
    timers.add(t);
    return () => {
      clearInterval(t);
      timers.delete(t);
    };
  };

  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      const m = pathModes.get(req.url) ?? mode;
      // A discovery document naming this upstream as the issuer, whatever the
      // mode (the handler reads it before its first code exchange), unless a
      // path mode is set for it.
      if (req.url === DISCOVERY_PATH && !pathModes.has(req.url)) {
        return res.writeHead(200, JSON_TYPE).end(JSON.stringify({ issuer: `http://127.0.0.1:${server.address().port}` }));
      }
      if (jwks && req.url === JWKS_PATH && !pathModes.has(req.url)) {
        return res.writeHead(200, { ...JSON_TYPE, 'cache-control': 'public, max-age=300' }).end(JSON.stringify(jwks));
      }
      const answerText = JSON.stringify(answer);
      switch (m) {
        case 'slow':
          later(3000, () => res.writeHead(200, JSON_TYPE).end('{}'));
          return;
        case 'hang': // headers never come (until the server closes)
          return;
        case 'html':
          return res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad gateway</html>');
        case 'html-200':
          return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>NHS login</title><p>Service unavailable</p>');
        case 'array': // JSON, but not an object
          return res.writeHead(200, JSON_TYPE).end(`[${answerText}]`);
        case 'huge':
          return res.writeHead(200, JSON_TYPE).end(`{"a":"${'x'.repeat(300 * 1024)}"}`);
        case 'huge-stream': {
          // Chunked, no Content-Length: 1 MiB in 16 KiB chunks (the reader must stop at 256 KiB).
          res.writeHead(200, JSON_TYPE);
          res.write('{"a":"');
          let sent = 0;
          const stop = every(1, () => {
            if (res.destroyed || sent >= 1024 * 1024) {
              stop();
              if (!res.destroyed) res.end('"}');
              return;
            }
            res.write('x'.repeat(16 * 1024));
            sent += 16 * 1024;
          });
          return;
        }
        case 'gzip-bomb': // small on the wire, 20 MiB once decompressed
          bomb ??= gzipSync(Buffer.concat([Buffer.from('{"a":"'), Buffer.alloc(20 * 1024 * 1024, 'x'), Buffer.from('"}')]), { level: 9 });
          return res.writeHead(200, { ...JSON_TYPE, 'content-encoding': 'gzip', 'content-length': String(bomb.length) }).end(bomb);
        case 'truncated': {
          // Content-Length promises twice the bytes; the connection closes after
          // a complete, valid-looking JSON object (which must not be accepted).
          const bytes = Buffer.from(answerText);
          res.writeHead(200, { ...JSON_TYPE, 'content-length': String(bytes.length * 2) });
          res.write(bytes, () => later(20, () => req.socket.destroy()));
          return;
        }
        case 'truncated-chunked': {
          // Chunked, and the connection closes before the terminating chunk.
          res.writeHead(200, JSON_TYPE);
          res.write(answerText, () => later(20, () => req.socket.destroy()));
          return;
        }
        case 'trickle': {
          // Headers at once, then one byte every 200 ms, never ending (until closed).
          res.writeHead(200, JSON_TYPE);
          res.write('{"access_token":"');
          const stop = every(200, () => (res.destroyed ? stop() : res.write('a')));
          res.on('close', stop);
          return;
        }
        case 'redirect-302':
        case 'redirect-307':
          // A redirect carrying a valid token answer; the target answers one too.
          return res.writeHead(m === 'redirect-302' ? 302 : 307, { ...JSON_TYPE, location: '/elsewhere/token' }).end(answerText);
        case 'answer': // the canned token answer (`up.answer`)
          return res.writeHead(200, JSON_TYPE).end(answerText);
        case 'error':
          return res.writeHead(400, JSON_TYPE).end('{"error":"invalid_grant","error_description":"code expired","extra":"dropped"}');
        case 'huge-error':
          return res
            .writeHead(400, JSON_TYPE)
            .end(JSON.stringify({ error: `invalid_grant${'g'.repeat(4000)}`, error_description: `code expired ${'d'.repeat(200 * 1024)}` }));
        case 'server-error':
          return res.writeHead(500, JSON_TYPE).end('{"error":"server_error"}');
        case 'unavailable':
          return res.writeHead(503, { ...JSON_TYPE, 'retry-after': '120' }).end('{"error":"temporarily_unavailable","error_description":"planned maintenance"}');
        case 'drop':
          return req.socket.destroy();
        default:
          if (req.url.startsWith('/elsewhere/')) return res.writeHead(200, JSON_TYPE).end(answerText);
          return res.writeHead(200, JSON_TYPE).end('{"keys":[]}');
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    seen,
    /** How many requests reached `path`. */
    count: (path) => seen.filter((s) => s.url === path).length,
    set mode(m) {
      mode = m;
    },
    get mode() {
      return mode;
    },
    /** `mode` for `path` only (and over `jwks`); `undefined` removes it. */
    pathMode(path, m) {
      if (m === undefined) pathModes.delete(path);
      else pathModes.set(path, m);
    },
    set jwks(v) {
      jwks = v;
    },
    set answer(v) {
      answer = v;
    },
    get answer() {
      return answer;
    },
    close: () =>
      new Promise((r) => {
        for (const t of timers) clearTimeout(t), clearInterval(t);
        timers.clear();
        server.close(r);
        server.closeAllConnections();
      }),
  };
}

/**
 * A port on loopback where nothing listens. Taken below the kernel's
 * ephemeral range (32768-60999 here), so that no other test's `listen(0)`,
 * running in parallel, can be handed it after we let it go (that race made
 * "connection refused" cases flaky).
 */
export async function deadPort() {
  for (let tries = 0; tries < 50; tries++) {
    const port = 20000 + Math.floor(Math.random() * 10000);
    const s = createServer();
    const free = await new Promise((r) => {
      s.once('error', () => r(false));
      s.listen(port, '127.0.0.1', () => r(true));
    });
    if (free) {
      await new Promise((r) => s.close(r));
      return port;
    }
  }
  throw new Error('no free port below the ephemeral range');
}
