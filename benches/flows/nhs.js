// Shared by the hand-written flows (jose, oauth4webapi, oidc-client-ts): the
// NHS login endpoints and the one NHS-specific check none of those libraries
// knows, the Vector of Trust. Our package does all of this inside its wasm, so
// flows/ours.js does not import this file.

/** NHS login production (EIS §3): issuer and endpoints. */
export const NHS_LOGIN = {
  issuer: 'https://auth.login.nhs.uk',
  authorization_endpoint: 'https://auth.login.nhs.uk/authorize',
  token_endpoint: 'https://auth.login.nhs.uk/token',
  jwks_uri: 'https://auth.login.nhs.uk/.well-known/jwks.json',
};

/** base64url without padding, for random values and the S256 challenge. */
export const b64u = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** `n` random bytes, base64url-encoded (state, nonce, PKCE verifier). */
export const random = (n = 32) => b64u(crypto.getRandomValues(new Uint8Array(n)));

/**
 * Whether a returned `vot` (e.g. "P9.Cp.Cd") satisfies one of the requested
 * vectors in `vtr` (RFC 8485, EIS §5.1): same P level and every requested C
 * component present. Throws when it does not (or when `vot` is missing).
 */
export function checkVot(vot, vtr) {
  if (typeof vot !== 'string') throw new Error('ID token has no vot claim');
  const [p, ...c] = vot.split('.');
  const ok = vtr.some((v) => {
    const [rp, ...rc] = v.split('.');
    return rp === p && rc.every((x) => c.includes(x));
  });
  if (!ok) throw new Error(`vot ${vot} does not satisfy vtr ${JSON.stringify(vtr)}`);
}
