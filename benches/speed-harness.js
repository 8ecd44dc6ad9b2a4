// ID token validation speed: the token, the floor, the correctness gate, the
// timing method and the report, shared by benches/speed.mjs (Node) and
// benches/browser/speed.js (headless Chromium). Web APIs only (WebCrypto,
// TextEncoder, performance; the package tests' key and token helpers), so the
// same code runs in both.
//
// One RSA-2048 key pair (WebCrypto) signs one realistic NHS login ID token
// (RS512). Each contender validates it: RS512 signature against the JWKS, iss,
// aud, exp, iat, nonce and vot. Every contender first has to accept the good
// token and reject a forged payload, a wrong nonce, an unsatisfied vot and an
// expired token, so none of them is timed doing less than the others.
//
// Method: a warm-up, then `batches` rounds; in each round every contender runs
// one batch of `iters` sequentially awaited validations, in round-robin order
// (the starting contender rotates) so machine noise hits all alike. Reported:
// the median over batches of the per-batch mean µs/op, and the min–max spread.
import { checkVot } from './flows/nhs.js';

// Keys, signing and the claim set are the package tests' own.
import { ISSUER, b64u, makeKey, sign, baseClaims } from '../pkg/test/helpers.js';

export { ISSUER };
const CLIENT = 'bench-client';
const VTR = ['P9.Cp.Cd', 'P9.Cm'];
const SKEW = 60;
const ALG = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' };
const enc = new TextEncoder();
const dec = new TextDecoder();

const VALUE = new Uint8Array(128);
for (let i = 0; i < 64; i++) VALUE['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.charCodeAt(i)] = i;
/** base64url to bytes by table, unchecked (the floor's decoder where there is no Buffer). */
export function fromB64u(s) {
  const out = new Uint8Array((s.length * 3) >> 2);
  for (let i = 0, j = 0, acc = 0, bits = 0; i < s.length; i++) {
    acc = ((acc << 6) | VALUE[s.charCodeAt(i)]) & 0xffffff;
    if ((bits += 6) >= 8) out[j++] = acc >> (bits -= 8);
  }
  return out;
}

/**
 * The token, its JWKS (two keys, as around a rotation; the token is signed
 * with the second), the validation options, the tokens every contender must
 * refuse, and the floor. `decode` is the floor's base64url decoder (Buffer in
 * Node; by table elsewhere).
 */
export async function setup({ decode = fromB64u } = {}) {
  const NOW = Math.floor(Date.now() / 1000); // fixed for the run; the token is valid at it
  const jwkExtra = { use: 'sig', alg: 'RS512' };
  const [oldKey, key] = [await makeKey('nhs-login-2024', jwkExtra), await makeKey('nhs-login-2025', jwkExtra)];
  const jwks = { keys: [oldKey.jwk, key.jwk] };
  const nonce = b64u(crypto.getRandomValues(new Uint8Array(32)));
  const claims = (over = {}) => baseClaims({ aud: CLIENT, exp: NOW + 3600, iat: NOW, auth_time: NOW - 5, nonce, ...over });
  const token = await sign(key, claims());
  const opts = { clientId: CLIENT, jwks, nonce, vtr: VTR, now: NOW, clockSkewSeconds: SKEW };

  // The good token's header and signature over a different payload (another NHS number).
  const [h0, , s0] = token.split('.');
  const bad = [
    ['forged payload', `${h0}.${b64u(enc.encode(JSON.stringify(claims({ nhs_number: '9000000017' }))))}.${s0}`, opts],
    ['wrong nonce', token, { ...opts, nonce: 'another-nonce' }],
    ['vot not satisfied', await sign(key, claims({ vot: 'P5.Cp.Cd' })), opts],
    ['expired', await sign(key, claims({ exp: NOW - 3600, iat: NOW - 7200 })), opts],
  ];

  // The floor: what a hand-written validator minimally costs. The CryptoKey
  // is imported once; per token: split, base64url decode, header/payload
  // JSON.parse, crypto.subtle.verify and the same claim checks.
  const floorKeys = new Map();
  for (const jwk of jwks.keys) floorKeys.set(jwk.kid, await crypto.subtle.importKey('jwk', jwk, ALG, false, ['verify']));
  async function floor(idToken, { clientId, nonce, vtr, now, clockSkewSeconds: skew }) {
    const [h, p, s] = idToken.split('.');
    const header = JSON.parse(dec.decode(decode(h)));
    if (header.alg !== 'RS512') throw new Error('alg');
    const cryptoKey = floorKeys.get(header.kid);
    if (!cryptoKey) throw new Error('kid');
    if (!(await crypto.subtle.verify(ALG, cryptoKey, decode(s), enc.encode(`${h}.${p}`)))) throw new Error('signature');
    const c = JSON.parse(dec.decode(decode(p)));
    if (c.iss !== ISSUER) throw new Error('iss');
    if (c.aud !== clientId) throw new Error('aud');
    if (!(typeof c.exp === 'number' && now < c.exp + skew)) throw new Error('exp');
    if (!(typeof c.iat === 'number' && c.iat <= now + skew)) throw new Error('iat');
    if (c.nonce !== nonce) throw new Error('nonce');
    checkVot(c.vot, vtr);
    return c;
  }
  return { token, jwks, opts, bad, floor, expected: claims() };
}

/** Throws unless every contender accepts the good token (with its claims) and refuses every bad one. */
export async function checkContenders(contenders, { token, opts, bad, expected }) {
  for (const c of contenders) {
    const got = await c.run(token, opts);
    if (got.sub !== expected.sub || got.nhs_number !== expected.nhs_number) throw new Error(`${c.name}: wrong claims ${JSON.stringify(got)}`);
    for (const [what, t, o] of bad) {
      let rejected = false;
      try {
        await c.run(t, o);
      } catch {
        rejected = true;
      }
      if (!rejected) throw new Error(`${c.name}: accepted a token with ${what}`);
    }
  }
}

/** Per contender: the batch means (µs/op), measured round-robin. */
export async function measure(contenders, { token, opts }, { batches = 15, iters = 200, warmup = 200 } = {}) {
  async function batch(run, n) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await run(token, opts);
    return ((performance.now() - t0) * 1000) / n;
  }
  for (const c of contenders) await batch(c.run, warmup);
  const samples = contenders.map(() => []);
  for (let b = 0; b < batches; b++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (b + k) % contenders.length; // rotate who goes first
      samples[i].push(await batch(contenders[i].run, iters));
    }
  }
  return samples;
}

/** The median of `xs`. */
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const us = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

/**
 * The markdown table: median, × floor (the first contender), × jose (the
 * contender named `jose: …`), spread.
 */
export function table(names, samples) {
  const stats = samples.map((s) => ({ median: median(s), min: Math.min(...s), max: Math.max(...s) }));
  const floorMedian = stats[0].median;
  const jose = stats[names.findIndex((n) => n.startsWith('jose'))]?.median;
  const rows = ['| contender | median µs/op | × floor | × jose | spread (min–max of batch means, µs) |', '|---|---:|---:|---:|---:|'];
  names.forEach((name, i) => {
    const s = stats[i];
    rows.push(`| ${name} | ${us(s.median)} | ${(s.median / floorMedian).toFixed(2)}× | ${jose ? `${(s.median / jose).toFixed(2)}×` : '—'} | ${us(s.min)}–${us(s.max)} |`);
  });
  return rows.join('\n');
}
