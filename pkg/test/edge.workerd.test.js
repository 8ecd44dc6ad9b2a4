// The edge handler in real workerd: the same fault suite as in Node.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFaultyUpstream } from './upstream.js';
import { makeClientKey } from './helpers.js';
import { edgeFaultSuite } from './edge-faults.js';
import { edgeFlowSuite } from './edge-flow.js';
import { edgeFidelitySuite } from './edge-fidelity.js';
import { edgeSessionSuite } from './edge-sessions.js';
import { workerdSend, disposeAll } from './workerd/run.js';

after(disposeAll);
edgeFaultSuite(test, { before, after }, workerdSend, makeClientKey);
edgeFlowSuite(test, { before, after }, workerdSend);
edgeFidelitySuite(test, { before, after }, workerdSend);
edgeSessionSuite(test, { before, after }, workerdSend);

// Issue 11 (5) with Cloudflare's own Workers Rate Limiting binding (miniflare's): the interface the
// `rateLimit` option takes. Over the limit, 429 slow_down and no call to NHS login.
test('rateLimit: a Workers Rate Limiting binding limits /token per client', async () => {
  const key = await makeClientKey();
  const up = await startFaultyUpstream();
  try {
    up.mode = 'error';
    const send = await workerdSend(
      { issuer: up.url, clientId: 'c', privateKey: key.pem, allowedOrigins: ['https://spa.example'], redirectUris: ['https://spa.example/cb'], timeoutMs: 2000 },
      { tokenLimit: 2 },
    );
    const token = (ip) =>
      send('/auth/token', {
        method: 'POST',
        headers: { origin: 'https://spa.example', 'content-type': 'application/json', 'cf-connecting-ip': ip },
        body: JSON.stringify({ code: 'c', code_verifier: 'v'.repeat(43), redirect_uri: 'https://spa.example/cb', nonce: 'n' }),
      });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await token('192.0.2.1')).status);
    assert.deepEqual(statuses, [400, 400, 429]);
    const over = await token('192.0.2.1');
    assert.equal((await over.json()).error, 'slow_down');
    assert.equal(over.headers.get('retry-after'), '60');
    assert.equal(up.count('/token'), 2, 'no upstream call over the limit');
    assert.equal((await token('192.0.2.2')).status, 400, 'another client has its own limit');
  } finally {
    await up.close();
  }
});
