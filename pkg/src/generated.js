// Generated from the Rust crate by tests/generated_js.rs (`make generate`): do not edit.

/** Issuer of each NHS login environment, exactly as in its discovery document (no trailing slash). */
export const ISSUERS = Object.freeze({
  sandpit: "https://auth.sandpit.signin.nhs.uk",
  integration: "https://auth.aos.signin.nhs.uk",
  production: "https://auth.login.nhs.uk",
});

/** NHS login's settings page ("Manage your NHS login") per environment. */
export const SETTINGS_URLS = Object.freeze({
  sandpit: "https://settings.sandpit.signin.nhs.uk",
  integration: "https://settings.aos.signin.nhs.uk",
  production: "https://settings.login.nhs.uk",
});

/** The 12 vectors of trust NHS login defines (EIS Table 21). */
export const VECTORS = Object.freeze(["P0.Cp", "P0.Cp.Cd", "P0.Cp.Ck", "P0.Cm", "P5.Cp", "P5.Cp.Cd", "P5.Cp.Ck", "P5.Cm", "P9.Cp", "P9.Cp.Cd", "P9.Cp.Ck", "P9.Cm"]);

/** Every error code this package can raise. */
export const ERROR_CODES = Object.freeze(["invalid_option", "state_mismatch", "provider_error", "invalid_issuer", "missing_code", "malformed_callback", "malformed_token", "unsupported_alg", "key_not_found", "invalid_jwks", "invalid_signature", "invalid_audience", "token_expired", "token_issued_in_future", "invalid_nonce", "missing_claim", "invalid_claim", "vot_not_satisfied", "random_unavailable", "invalid_userinfo", "transaction_expired", "token_exchange_failed", "wasm_unavailable", "userinfo_failed", "refresh_failed", "session_changed", "sso_unavailable", "resume_failed"]);

/** What each error code means. */
export const ERROR_MESSAGES = Object.freeze({
  invalid_option: "an option is missing or breaks its rule; `field` names it",
  state_mismatch: "the redirect's state is absent or not the one sent, or the sign-in was already completed",
  provider_error: "NHS login answered the authorization request with an error; see `error` and `errorDescription`",
  invalid_issuer: "the issuer (RFC 9207 iss on the redirect, or the ID token's iss) is not the expected one",
  missing_code: "the redirect carries neither code nor error",
  malformed_callback: "a response parameter appears twice in the redirect",
  malformed_token: "the token is not a well-formed compact JWS with JSON header and claims, or is over 64 KiB",
  unsupported_alg: "the token's alg is not RS512, or it has a crit header",
  key_not_found: "no usable JWKS key matches the token's kid",
  invalid_jwks: "the JWKS is not a JSON object with a keys array, or could not be fetched",
  invalid_signature: "the RS512 signature does not verify",
  invalid_audience: "aud lacks the client id or has an untrusted audience, or azp is another client",
  token_expired: "the token has expired (exp, beyond the clock skew)",
  token_issued_in_future: "the token's iat or nbf is in the future (beyond the clock skew): check the device clock",
  invalid_nonce: "the nonce is absent, different, or present when none was sent",
  missing_claim: "a required claim is absent; `claim` names it",
  invalid_claim: "a security claim has the wrong type or an impossible value; `claim` names it",
  vot_not_satisfied: "the vot matches none of the requested vectors of trust",
  random_unavailable: "the platform random number generator failed",
  invalid_userinfo: "the userinfo answer is not a JSON object, or is for another user than the ID token",
  transaction_expired: "the sign-in took longer than allowed (10 minutes). Start again.",
  token_exchange_failed: "the edge handler did not exchange the code; see `error` and `status`",
  wasm_unavailable: "the nhs-login-client WebAssembly module could not be loaded",
  userinfo_failed: "the edge handler answered the userinfo call with an error; see `error` and `status`",
  refresh_failed: "the edge handler gave no access token on refresh; `error` login_required means sign in again",
  session_changed: "the edge's session is another patient's than the one signed in on this page: show the new patient or sign in again",
  sso_unavailable: "the edge handler gave no single sign-on assertion; `error` sso_unavailable means sign in again first",
  resume_failed: "the edge handler's session could not be read (not a missing session: that resolves to null); see `error` and `status`",
});
