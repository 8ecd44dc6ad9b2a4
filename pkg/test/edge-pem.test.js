// The edge handler's private key as people paste it into secrets (`.dev.vars`,
// `wrangler secret put`, a JSON or YAML string): line breaks as the two
// characters `\n` are accepted, and used against the local provider (a real
// OpenID provider that checks the client assertion's signature); a malformed
// key is invalid_option whose message repeats nothing of the key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createEdgeHandler } from 'nhs-login-client/edge';
import { startProvider } from '../../tests/provider/provider.mjs';
import { makeClientKey } from './helpers.js';

const ORIGIN = 'https://spa.example';
const REDIRECT = 'https://spa.example/callback';
let op, pem;
before(async () => {
  op = await startProvider({ port: 0, clients: [{ client_id: 'pem-client', redirect_uris: [REDIRECT] }], log: false });
  pem = op.clientKeys['pem-client'].privateKeyPem;
});
after(() => op?.close());

const config = (privateKey) => ({
  issuer: op.issuer,
  clientId: 'pem-client',
  privateKey,
  keyId: op.clientKeys['pem-client'].kid,
  allowedOrigins: [ORIGIN],
  redirectUris: [REDIRECT],
  timeoutMs: 5000,
});

/** POST /auth/token with a code the provider never issued: it authenticates the client first. */
async function exchange(privateKey) {
  const handler = createEdgeHandler(config(privateKey));
  const res = await handler(
    new Request('https://edge.example/auth/token', {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'not-a-code', code_verifier: 'v'.repeat(43), redirect_uri: REDIRECT, nonce: 'n' }),
    }),
  );
  return { status: res.status, error: (await res.json()).error };
}

test('a PKCS#8 PEM with its line breaks as literal \\n (and \\r\\n, quoted, padded) signs assertions the provider accepts', async () => {
  assert.ok(pem.includes('\n') && !pem.includes('\\n'));
  // Client authenticated, then the made-up code refused: invalid_grant (a bad assertion is invalid_client).
  assert.deepEqual(await exchange(pem), { status: 400, error: 'invalid_grant' });
  const escaped = pem.trim().replaceAll('\n', '\\n');
  assert.ok(!escaped.includes('\n'), 'one line, as in .dev.vars');
  for (const pasted of [escaped, `${escaped}\\n`, pem.trim().replaceAll('\n', '\\r\\n'), `"${escaped}"`, `  '${escaped}'  \n`, pem.replaceAll('\n', '\r\n')]) {
    assert.deepEqual(await exchange(pasted), { status: 400, error: 'invalid_grant' }, JSON.stringify(pasted.slice(0, 40)));
  }
  // The control: another key, well formed, is refused by the provider.
  const other = await makeClientKey();
  assert.deepEqual(await exchange(other.pem.replaceAll('\n', '\\n')), { status: 401, error: 'invalid_client' });
});

test('a malformed private key is invalid_option; the message quotes no key material, not even the BEGIN line', async () => {
  const MARK = 'S3CRETkeyMATERIAL';
  const body = (await makeClientKey()).pem.split('\n').slice(1, -2);
  body[3] = `${MARK}${body[3].slice(MARK.length)}`;
  const flat = body.join('').replace(/=+$/, '');
  const lines = (b) => ['-----BEGIN PRIVATE KEY-----', ...b, '-----END PRIVATE KEY-----'].join('\n');
  const bad = [
    ['a character that is not base64', lines([...body.slice(0, 5), `${MARK}!#$`, ...body.slice(5)])],
    ['escapes other than \\n', lines(body).replaceAll('\n', '\\t')],
    // Base64 that cannot be whole: 4k+1 characters (6 bits left over), padding in the middle, too much padding.
    ['cut short', lines([flat.slice(0, 4 * 300 + 1)])],
    ['padding in the middle', lines([`${flat.slice(0, 400)}==${flat.slice(400, 800)}`])],
    ['too much padding', lines([`${flat.slice(0, 4 * 300 + 2)}===`])],
    ['nothing inside', lines([])],
    ['PKCS#1', lines(body).replaceAll('PRIVATE KEY', 'RSA PRIVATE KEY')],
    ['encrypted PKCS#8', lines(body).replaceAll('PRIVATE KEY', 'ENCRYPTED PRIVATE KEY')],
    ['OpenSSH', lines(body).replaceAll('PRIVATE KEY', 'OPENSSH PRIVATE KEY')],
    ['a public key', lines(body).replaceAll('PRIVATE KEY', 'PUBLIC KEY')],
    ['base64 with no PEM lines', body.join('')],
    ['the END line missing', lines(body).split('\n-----END')[0]],
  ];
  for (const [what, privateKey] of bad) {
    let error;
    try {
      createEdgeHandler({ ...config(privateKey) });
    } catch (e) {
      error = e;
    }
    assert.ok(error, `${what}: refused at creation`);
    assert.equal(error.name, 'NhsLoginError', `${what}: ${error}`);
    assert.equal(error.code, 'invalid_option', what);
    assert.equal(error.field, 'privateKey', what);
    assert.match(error.message, /^option `privateKey` /, what);
    for (const leak of ['-----', MARK, 'RSA PRIVATE', 'ENCRYPTED', 'OPENSSH', 'PUBLIC KEY', ...body.map((l) => l.slice(10, 26))]) {
      assert.ok(!error.message.includes(leak), `${what}: the message repeats ${JSON.stringify(leak)}: ${error.message}`);
    }
  }
});

test('a well-formed PEM that is not an RSA key fails at first use with a 500 that names no key material', async () => {
  const ec = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', ec.privateKey)).toString('base64');
  const ecPem = `-----BEGIN PRIVATE KEY-----\n${der.match(/.{1,64}/g).join('\n')}\n-----END PRIVATE KEY-----\n`;
  const logs = [];
  const handler = createEdgeHandler({ ...config(ecPem), log: (e) => logs.push(JSON.stringify(e)) });
  const res = await handler(
    new Request('https://edge.example/auth/token', {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'c', code_verifier: 'v'.repeat(43), redirect_uri: REDIRECT, nonce: 'n' }),
    }),
  );
  assert.equal(res.status, 500);
  const text = await res.text();
  assert.equal(JSON.parse(text).error, 'server_error');
  for (const out of [text, ...logs]) assert.ok(!out.includes(der.slice(20, 40)) && !out.includes('-----'), out);
});
