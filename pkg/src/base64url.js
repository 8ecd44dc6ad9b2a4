// Base64url without padding (RFC 4648 §5), as JWS (RFC 7515 §2) and the
// session cookie use it. The one JavaScript copy: core.js decodes signatures
// with it, the edge handler encodes JWTs and cookies and decodes cookies and
// the cookie secret.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VALUE = new Uint8Array(128).fill(64); // 64: not in the alphabet
for (let i = 0; i < 64; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

/**
 * Encodes bytes as base64url without padding.
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function encode(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(bytes.length - i, 3) + 1;
    for (let k = 0; k < chars; k++) out += ALPHABET[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

/**
 * Decodes base64url without padding. Strict about what it reads: a character
 * outside the alphabet (padding and white space included) or a length no
 * encoding has (4n + 1) throws a TypeError. The unused bits of the last
 * character are not checked: tokens are checked in full by the wasm core
 * before they get here, and the session cookie is authenticated by AES-GCM.
 * @param {string} text
 * @returns {Uint8Array}
 */
export function decode(text) {
  if (typeof text !== 'string' || text.length % 4 === 1) throw new TypeError('not base64url');
  const n = text.length;
  const out = new Uint8Array((n * 3) >> 2);
  // Four characters to three bytes at a time (twice as fast as bit by bit in
  // Chromium); a value over 63 marks a character outside the alphabet.
  let i = 0;
  let j = 0;
  for (; i + 4 <= n; i += 4) {
    const a = value(text, i);
    const b = value(text, i + 1);
    const c = value(text, i + 2);
    const d = value(text, i + 3);
    if ((a | b | c | d) > 63) throw new TypeError('not base64url');
    const x = (a << 18) | (b << 12) | (c << 6) | d;
    out[j++] = x >> 16;
    out[j++] = (x >> 8) & 255;
    out[j++] = x & 255;
  }
  for (let acc = 0, bits = 0; i < n; i++) {
    const v = value(text, i);
    if (v > 63) throw new TypeError('not base64url');
    acc = ((acc << 6) | v) & 0xffffff;
    if ((bits += 6) >= 8) out[j++] = acc >> (bits -= 8);
  }
  return out;
}

// No out-of-bounds read of VALUE (V8 deoptimises those).
const value = (text, i) => {
  const c = text.charCodeAt(i);
  return c < 128 ? VALUE[c] : 64;
};

/**
 * Encodes a value as JSON, then UTF-8, then base64url (a JWT header or claims segment).
 * @param {unknown} value
 * @returns {string}
 */
export const encodeJson = (value) => encode(new TextEncoder().encode(JSON.stringify(value)));
