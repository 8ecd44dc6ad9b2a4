// NhsLogin against a scripted edge (a fetch stand-in that records calls): the
// session behaviours of issue 11 that need no provider. The full journeys run
// against the real provider in edge-flow.js and edge-sessions.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NhsLogin } from 'nhs-login-client';
import { MemoryStorage } from './helpers.js';

/** An NhsLogin whose edge answers from `script` (route → array of [status, body]), recording the calls. */
function scripted(script) {
  const calls = [];
  const fetch = async (url, init = {}) => {
    const path = new URL(url).pathname;
    calls.push(`${init.method ?? 'GET'} ${path}`);
    const [status, body] = script[path].shift();
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  };
  const login = new NhsLogin({ environment: 'sandpit', clientId: 'c', redirectUri: 'https://spa.example/cb', storage: new MemoryStorage(), edgeUrl: 'https://spa.example/auth', fetch });
  return { login, calls };
}

test('refresh: a 401 invalid_grant (rotated by a concurrent refresh) is tried once more; login_required is not', async () => {
  const { login, calls } = scripted({
    '/auth/refresh': [
      [401, { error: 'invalid_grant', error_description: 'refreshed by a concurrent request' }],
      [200, { access_token: 'at-2', token_type: 'Bearer', expires_in: 300 }],
      [401, { error: 'invalid_grant' }],
      [401, { error: 'invalid_grant' }],
      [401, { error: 'login_required' }],
    ],
  });
  assert.equal((await login.refresh()).accessToken, 'at-2');
  assert.deepEqual(calls, ['POST /auth/refresh', 'POST /auth/refresh']);
  await assert.rejects(login.refresh(), (e) => e.code === 'refresh_failed' && e.error === 'invalid_grant' && e.status === 401);
  assert.equal(calls.length, 4, 'once more only');
  await assert.rejects(login.refresh(), (e) => e.code === 'refresh_failed' && e.error === 'login_required');
  assert.equal(calls.length, 5);
});
