// The edge handler in Node 20+, called directly with Web Requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createEdgeHandler } from 'nhs-login-client/edge';
import { makeClientKey } from './helpers.js';
import { edgeFaultSuite } from './edge-faults.js';
import { edgeFlowSuite } from './edge-flow.js';


const makeSend = async (config) => {
  const handler = createEdgeHandler(config);
  return (path, init) => handler(new Request(`https://edge.example${path}`, init));
};

edgeFaultSuite(test, { before, after }, makeSend, makeClientKey);
edgeFlowSuite(test, { before, after }, makeSend);

test('configuration mistakes are invalid_option at creation', async () => {
  const key = await makeClientKey();
  const base = { environment: 'sandpit', clientId: 'c', privateKey: key.pem, allowedOrigins: ['https://spa.example'], redirectUris: ['https://spa.example/cb'] };
  const bad = [
    [{ clientId: '' }, /clientId/],
    [{ environment: 'dev' }, /environment/],
    [{ privateKey: '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----' }, /PKCS#1/],
    [{ privateKey: 42 }, /privateKey/],
    [{ issuer: 'http://nhs.example' }, /issuer/],
    [{ tokenEndpoint: 'http://nhs.example/token' }, /tokenEndpoint/],
    [{ allowedOrigins: [] }, /allowedOrigins/],
    [{ redirectUris: undefined }, /redirectUris/],
    [{ cookieSecret: 'short' }, /cookieSecret/],
    [{ timeoutMs: 0 }, /timeoutMs/],
  ];
  for (const [over, re] of bad) {
    assert.throws(() => createEdgeHandler({ ...base, ...over }), (e) => e.code === 'invalid_option' && re.test(e.message));
  }
  assert.equal(typeof createEdgeHandler(base), 'function');
});
