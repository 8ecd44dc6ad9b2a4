// The wasm module's linear memory stops growing under repeated use: every
// allocation a call makes is freed by the end of it (the allocator is talc,
// src/lib.rs), and a Keyset is freed when JS frees it. A leak on any path —
// success or error, in Rust or in the glue — grows memory.buffer without bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import init, * as w from '../wasm/nhs_login.js';
import { CLIENT, NOW, makeKey, sign, baseClaims } from './helpers.js';

test('wasm memory does not grow over thousands of calls (success and error paths)', async () => {
  const { memory } = await init({ module_or_path: await readFile(new URL('../wasm/nhs_login_bg.wasm', import.meta.url)) });
  const key = await makeKey('k1', { use: 'sig', alg: 'RS512' });
  const jwksText = JSON.stringify({ keys: [key.jwk] });
  const nonce = 'n'.repeat(43);
  const token = new TextEncoder().encode(await sign(key, baseClaims({ aud: CLIENT, nonce, email_verified: 'true', phone_number: 42 })));
  const checkOptions = JSON.stringify({ environment: 'production', clientId: CLIENT, nonce, vtr: ['P9.Cp.Cd'], now: NOW });
  const authorizeOptions = JSON.stringify({ environment: 'sandpit', clientId: CLIENT, redirectUri: 'https://app.example/callback', scope: ['openid', 'email'], vtr: ['P9.Cp.Cd'] });
  const round = () => {
    const ks = new w.Keyset(jwksText);
    assert.equal(JSON.parse(w.select_key(token, ks)).ok, 0);
    assert.ok(JSON.parse(w.select_key(new TextEncoder().encode('x.y.z'), ks)).error);
    ks.free();
    const bad = new w.Keyset('{"keys": 1}');
    assert.ok(bad.error());
    bad.free();
    assert.equal(JSON.parse(w.assume_signature_checked_by_host(token, checkOptions)).ok.claims.aud, CLIENT);
    assert.equal(JSON.parse(w.assume_signature_checked_by_host(token, checkOptions.replace(CLIENT, 'other'))).error.code, 'invalid_audience');
    const { state } = JSON.parse(w.authorize(authorizeOptions)).ok;
    assert.equal(JSON.parse(w.callback(JSON.stringify({ url: `https://app.example/callback?code=c&state=${state}`, state, environment: 'sandpit' }))).ok.code, 'c');
    assert.equal(JSON.parse(w.callback(JSON.stringify({ url: 'https://app.example/callback?code=c&state=x', state, environment: 'sandpit' }))).error.code, 'state_mismatch');
    assert.equal(JSON.parse(w.userinfo('{"sub":"s","email_verified":"false"}', 's')).ok.set[0][1], false);
    assert.equal(JSON.parse(w.authorize('{"clientId": 1}')).error.code, 'invalid_option');
  };
  for (let i = 0; i < 500; i++) round(); // warm-up: the heap reaches its working size
  const warm = memory.buffer.byteLength;
  for (let i = 0; i < 10000; i++) round();
  // A leak of 16 bytes per round would take 160 KB, more than two 64 KiB pages:
  // the check is exact: not one page may be added.
  assert.equal(memory.buffer.byteLength, warm, `memory grew from ${warm} to ${memory.buffer.byteLength} bytes`);
});
