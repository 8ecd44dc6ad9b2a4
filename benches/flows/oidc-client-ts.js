// The SPA flow with `oidc-client-ts`: UserManager.signinRedirect() builds the
// URL (PKCE S256, state, nonce kept in its state store) and navigates;
// signinCallback() checks state, exchanges the code at the token endpoint and
// decodes the ID token. It checks `sub` and `nonce` only: no signature, no
// iss/aud/exp (OIDC Core 3.1.3.7 allows skipping the signature over TLS). The
// vot check is by hand.
import { UserManager, WebStorageStateStore } from 'oidc-client-ts';
import { NHS_LOGIN, checkVot } from './nhs.js';

/** The UserManager for NHS login production (metadata given, no discovery fetch). */
export function createManager({ clientId, redirectUri, vtr, storage = globalThis.sessionStorage }) {
  return new UserManager({
    authority: NHS_LOGIN.issuer,
    metadata: NHS_LOGIN,
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid',
    extraQueryParams: vtr ? { vtr: JSON.stringify(vtr) } : {},
    stateStore: new WebStorageStateStore({ store: storage }),
    loadUserInfo: false,
  });
}

/** Step 1: navigates the browser to NHS login. */
export async function login(manager) {
  await manager.signinRedirect();
}

/** Steps 2 and 3: the redirect back, the code exchange and the ID token claims. */
export async function callback(manager, url, { vtr } = {}) {
  const user = await manager.signinCallback(url);
  if (vtr) checkVot(user.profile.vot, vtr);
  return user;
}
