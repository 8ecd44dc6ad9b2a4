// A deliberately faulty "NHS login" on loopback, for the fault cases only
// (time-outs, 5xx, non-JSON, oversized answers, error JSON). The happy paths
// are tested against the real local provider (tests/provider/), never this.
import { createServer } from 'node:http';

export async function startFaultyUpstream() {
  const seen = [];
  let mode = 'ok';
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      switch (mode) {
        case 'slow':
          setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), 3000);
          return;
        case 'html':
          return res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad gateway</html>');
        case 'huge':
          return res.writeHead(200, { 'content-type': 'application/json' }).end(`{"a":"${'x'.repeat(300 * 1024)}"}`);
        case 'error':
          return res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant","error_description":"code expired","extra":"dropped"}');
        case 'server-error':
          return res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"server_error"}');
        case 'drop':
          return req.socket.destroy();
        default:
          return res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    seen,
    set mode(m) {
      mode = m;
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

/** A port on loopback where nothing listens. */
export async function deadPort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}
