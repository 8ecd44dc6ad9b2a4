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
  const out = new Uint8Array((text.length * 3) >> 2);
  for (let i = 0, j = 0, acc = 0, bits = 0; i < text.length; i++) {
    const v = VALUE[text.charCodeAt(i)] ?? 64;
    if (v === 64) throw new TypeError('not base64url');
    acc = ((acc << 6) | v) & 0xffffff;
    if ((bits += 6) >= 8) out[j++] = acc >> (bits -= 8);
  }
  return out;
}

/**
 * Encodes a value as JSON, then UTF-8, then base64url (a JWT header or claims segment).
 * @param {unknown} value
 * @returns {string}
 */
export const encodeJson = (value) => encode(new TextEncoder().encode(JSON.stringify(value)));
