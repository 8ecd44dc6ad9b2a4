// The edge handler in Vercel's edge-runtime (npm `edge-runtime`), bundled with
// the `edge-light` condition, against the local provider: the full code flow
// (token, userinfo, refresh, SSO assertion, jwks) and the session suite.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { edgeFlowSuite } from './edge-flow.js';
import { edgeSessionSuite } from './edge-sessions.js';
import { edgeRuntimeSend } from './edge-runtime/run.js';
import { makeClientKey } from './helpers.js';

edgeFlowSuite(test, { before, after }, edgeRuntimeSend);
edgeSessionSuite(test, { before, after }, edgeRuntimeSend);

test('the runtime refuses wasm compiled from bytes, as Vercel Edge does: the handler never needs it', async () => {
  const send = await edgeRuntimeSend({ issuer: 'http://127.0.0.1:9', clientId: 'c', privateKey: (await makeClientKey()).pem, allowedOrigins: ['https://spa.example'], redirectUris: ['https://spa.example/cb'] });
  const runtime = edgeRuntimeSend.last;
  const wasmHeader = 'new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])';
  assert.match(await runtime.evaluate(`WebAssembly.compile(${wasmHeader}).then(() => 'compiled', (e) => e.message)`), /disallowed/);
  assert.match(await runtime.evaluate(`WebAssembly.instantiate(${wasmHeader}).then(() => 'instantiated', (e) => e.message)`), /disallowed/);
  assert.throws(() => runtime.evaluate(`new WebAssembly.Module(${wasmHeader})`), /disallowed/);
  assert.throws(() => runtime.evaluate('eval("1 + 1")'), /Code generation from strings disallowed/);
  // ... and the handler, whose wasm came in as a module, answers (JWKS: NHS login is unreachable here).
  const res = await send('/auth/jwks', { headers: { origin: 'https://spa.example' } });
  assert.equal(res.status, 502);
  assert.equal((await res.json()).error, 'temporarily_unavailable');
});
