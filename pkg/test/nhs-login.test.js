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

test('token_exchange_failed: the edge failing and NHS login unavailable are told apart from the edge refusing', async () => {
  const cases = [
    // A proxy's HTML error page in front of a crashed edge.
    [{ status: 502, text: '<html>Bad gateway</html>' }, { status: 502, reason: 'edge_failed', error: undefined }, /^the edge handler failed \(HTTP 502\)$/],
    [{ status: 500, body: { error: 'invalid_configuration', error_description: 'issuer differs' } }, { status: 500, reason: 'edge_failed', error: 'invalid_configuration' }, /failed \(HTTP 500 invalid_configuration\): issuer differs/],
    [{ status: 200, body: { access_token: 'a' } }, { status: 200, reason: 'edge_failed', error: undefined }, /its answer has no id_token/],
    [{ status: 504, body: { error: 'temporarily_unavailable', error_description: 'NHS login did not answer', error_source: 'nhs_login' } }, { status: 504, reason: 'nhs_login_unavailable', error: 'temporarily_unavailable' }, /^NHS login could not complete the code exchange/],
    [{ status: 400, body: { error: 'invalid_grant', error_description: 'code expired', error_source: 'nhs_login' } }, { status: 400, reason: 'nhs_login_refused', error: 'invalid_grant' }, /^NHS login refused the code exchange \(invalid_grant\): code expired$/],
    [{ status: 405, body: { error: 'method_not_allowed' } }, { status: 405, reason: 'edge_not_found', error: 'method_not_allowed' }, /check `edgeUrl`/],
  ];
  for (const [answer, expected, message] of cases) {
    const storage = new MemoryStorage();
    const fetch = async () => new Response(answer.text ?? JSON.stringify(answer.body), { status: answer.status });
    const login = new NhsLogin({ environment: 'sandpit', clientId: 'c', redirectUri: 'https://spa.example/cb', storage, edgeUrl: 'https://spa.example/auth', fetch });
    const url = new URL(await login.signIn({ redirect: false }));
    const back = `https://spa.example/cb?code=c1&state=${url.searchParams.get('state')}`;
    await assert.rejects(login.completeSignIn(back), (e) => {
      assert.equal(e.code, 'token_exchange_failed');
      assert.deepEqual({ status: e.status, reason: e.reason, error: e.error }, expected);
      assert.match(e.message, message);
      return true;
    });
  }
});

test('clockOffset: server − device from the Date header, at the midpoint of its second and of the request', async () => {
  const { clockOffset } = await import('../src/session.js');
  const t = Date.parse('2026-12-01T10:00:00Z');
  assert.equal(clockOffset('Tue, 01 Dec 2026 10:00:00 GMT', t, t + 1000), 0);
  assert.equal(clockOffset('Tue, 01 Dec 2026 13:00:00 GMT', t, t), 10800.5);
  assert.equal(clockOffset('Tue, 01 Dec 2026 07:00:00 GMT', t, t + 200), -10799.6);
  for (const bad of [null, undefined, '', 'yesterday']) assert.equal(clockOffset(bad, t, t), 0);
});
