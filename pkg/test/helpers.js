// Test helpers: RSA keys generated with WebCrypto in the test run and ID
// tokens signed with them (never a token copied from elsewhere).
export const ISSUER = 'https://auth.login.nhs.uk';
export const CLIENT = 'test-client';
export const NOW = 1_760_000_000;

const enc = new TextEncoder();
// Node's Buffer (an encoder independent of the package's); btoa where there is
// no Buffer (benches/browser/speed.js signs its token with these helpers too).
export const b64u = (bytes) =>
  globalThis.Buffer
    ? Buffer.from(bytes).toString('base64url')
    : btoa(Array.from(new Uint8Array(bytes), (b) => String.fromCharCode(b)).join('')).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const ALG = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' };

export async function makeKey(kid, extra = {}) {
  const pair = await crypto.subtle.generateKey(
    { ...ALG, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ['sign', 'verify'],
  );
  const pub = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const jwk = { kty: 'RSA', n: pub.n, e: pub.e, ...(kid ? { kid } : {}), ...extra };
  return { kid, privateKey: pair.privateKey, jwk };
}

export async function sign(key, claims, header = { alg: 'RS512', typ: 'JWT', kid: key.kid }) {
  const input = `${b64u(enc.encode(JSON.stringify(header)))}.${b64u(enc.encode(typeof claims === 'string' ? claims : JSON.stringify(claims)))}`;
  const sig = await crypto.subtle.sign(ALG, key.privateKey, enc.encode(input));
  return `${input}.${b64u(new Uint8Array(sig))}`;
}

export const baseClaims = (over = {}) => ({
  iss: ISSUER,
  aud: CLIENT,
  sub: '49f470a1-cc52-49b7-beba-0f9cec937c46',
  exp: NOW + 3600,
  iat: NOW,
  jti: '2f3c5d8e-0a1b-4c2d-9e8f-123456789abc',
  nonce: 'nonce-1',
  vot: 'P9.Cp.Cd',
  vtm: 'https://auth.login.nhs.uk/trustmark/auth.login.nhs.uk',
  identity_proofing_level: 'P9',
  nhs_number: '9000000009',
  birthdate: '1968-02-12',
  family_name: 'MILLAR',
  id_status: 'verified',
  ...over,
});

/** A Storage-like object for Node (sessionStorage stand-in with the same interface). */
export class MemoryStorage {
  #m = new Map();
  get length() { return this.#m.size; }
  key(i) { return [...this.#m.keys()][i] ?? null; }
  getItem(k) { return this.#m.has(k) ? this.#m.get(k) : null; }
  setItem(k, v) { this.#m.set(k, String(v)); }
  removeItem(k) { this.#m.delete(k); }
  clear() { this.#m.clear(); }
}

/** An RSA-2048 client key pair: PKCS#8 PEM private key and public JWK (as a service registers with NHS login). */
export async function makeClientKey(kid = 'client-key-1') {
  const pair = await crypto.subtle.generateKey(
    { ...ALG, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ['sign', 'verify'],
  );
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', pair.privateKey)).toString('base64');
  const pem = `-----BEGIN PRIVATE KEY-----\n${der.match(/.{1,64}/g).join('\n')}\n-----END PRIVATE KEY-----\n`;
  const pub = await crypto.subtle.exportKey('jwk', pair.publicKey);
  return { pem, kid, publicKey: pair.publicKey, jwk: { kty: 'RSA', n: pub.n, e: pub.e, kid, alg: 'RS512', use: 'sig' } };
}

/** Decodes a JWT's header and payload without verifying (for assertions in tests). */
export const decodeJwt = (t) => {
  const [h, p] = t.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), payload: JSON.parse(Buffer.from(p, 'base64url')) };
};

/** Verifies an RS512 JWT with a WebCrypto public key. */
export async function verifyRs512(token, publicKey) {
  const i = token.lastIndexOf('.');
  return crypto.subtle.verify(ALG, publicKey, Buffer.from(token.slice(i + 1), 'base64url'), new TextEncoder().encode(token.slice(0, i)));
}
