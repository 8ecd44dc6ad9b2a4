// Generated from the Rust crate by tests/generated_js.rs (`make generate`): do not edit.

/** Issuer of each NHS login environment, exactly as in its discovery document (no trailing slash). */
export const ISSUERS = /* @__PURE__ */ Object.freeze({
  sandpit: "https://auth.sandpit.signin.nhs.uk",
  integration: "https://auth.aos.signin.nhs.uk",
  production: "https://auth.login.nhs.uk",
});

/** NHS login's settings page ("Manage your NHS login") per environment. */
export const SETTINGS_URLS = /* @__PURE__ */ Object.freeze({
  sandpit: "https://settings.sandpit.signin.nhs.uk",
  integration: "https://settings.aos.signin.nhs.uk",
  production: "https://settings.login.nhs.uk",
});

/** The 12 vectors of trust NHS login defines (EIS Table 21). */
export const VECTORS = /* @__PURE__ */ Object.freeze(["P0.Cp", "P0.Cp.Cd", "P0.Cp.Ck", "P0.Cm", "P5.Cp", "P5.Cp.Cd", "P5.Cp.Ck", "P5.Cm", "P9.Cp", "P9.Cp.Cd", "P9.Cp.Ck", "P9.Cm"]);

/** The vectors NHS login assumes when a request has no `vtr` (EIS Table 1). */
export const DEFAULT_VTR = /* @__PURE__ */ Object.freeze(["P9.Cp.Cd", "P9.Cp.Ck", "P9.Cm"]);

/** The scopes NHS login defines (EIS Table 2; NHS login docs: scopes and claims). */
export const SCOPES = /* @__PURE__ */ Object.freeze(["openid", "profile", "basic_demographics", "profile_extended", "email", "phone", "landline", "gp_registration_details", "gp_integration_credentials", "client_metadata", "nhs_app_credentials"]);

/** Every error code this package can raise. */
export const ERROR_CODES = /* @__PURE__ */ Object.freeze(["invalid_option", "state_mismatch", "provider_error", "invalid_issuer", "missing_code", "malformed_callback", "malformed_token", "unsupported_alg", "key_not_found", "invalid_jwks", "invalid_signature", "invalid_audience", "token_expired", "token_issued_in_future", "invalid_nonce", "missing_claim", "invalid_claim", "vot_not_satisfied", "random_unavailable", "invalid_userinfo", "transaction_expired", "token_exchange_failed", "wasm_unavailable", "userinfo_failed", "refresh_failed", "session_changed", "sso_unavailable", "resume_failed"]);

export const MESSAGE_INVALID_OPTION = "an option is missing or breaks its rule; `field` names it";
export const MESSAGE_STATE_MISMATCH = "the redirect's state is absent or not the one sent, or the sign-in was already completed";
export const MESSAGE_PROVIDER_ERROR = "NHS login answered the authorization request with an error; see `error` and `errorDescription`";
export const MESSAGE_INVALID_ISSUER = "the issuer (RFC 9207 iss on the redirect, or the ID token's iss) is not the expected one";
export const MESSAGE_MISSING_CODE = "the redirect carries neither code nor error";
export const MESSAGE_MALFORMED_CALLBACK = "a response parameter appears twice in the redirect";
export const MESSAGE_MALFORMED_TOKEN = "the token is not a well-formed compact JWS with JSON header and claims, or is over 64 KiB";
export const MESSAGE_UNSUPPORTED_ALG = "the token's alg is not RS512, or it has a crit header";
export const MESSAGE_KEY_NOT_FOUND = "no usable JWKS key matches the token's kid";
export const MESSAGE_INVALID_JWKS = "the JWKS is not a JSON object with a keys array, or could not be fetched";
export const MESSAGE_INVALID_SIGNATURE = "the RS512 signature does not verify";
export const MESSAGE_INVALID_AUDIENCE = "aud lacks the client id or has an untrusted audience, or azp is another client";
export const MESSAGE_TOKEN_EXPIRED = "the token has expired (exp, beyond the clock skew)";
export const MESSAGE_TOKEN_ISSUED_IN_FUTURE = "the token's iat or nbf is in the future (beyond the clock skew): check the device clock";
export const MESSAGE_INVALID_NONCE = "the nonce is absent, different, or present when none was sent";
export const MESSAGE_MISSING_CLAIM = "a required claim is absent; `claim` names it";
export const MESSAGE_INVALID_CLAIM = "a security claim has the wrong type or an impossible value; `claim` names it";
export const MESSAGE_VOT_NOT_SATISFIED = "the vot matches none of the requested vectors of trust";
export const MESSAGE_RANDOM_UNAVAILABLE = "the platform random number generator failed";
export const MESSAGE_INVALID_USERINFO = "the userinfo answer is not a JSON object, or is for another user than the ID token";
export const MESSAGE_TRANSACTION_EXPIRED = "the sign-in took longer than allowed (10 minutes). Start again.";
export const MESSAGE_TOKEN_EXCHANGE_FAILED = "the edge handler did not exchange the code; see `error` and `status`";
export const MESSAGE_WASM_UNAVAILABLE = "the nhs-login-client WebAssembly module could not be loaded";
export const MESSAGE_USERINFO_FAILED = "the edge handler answered the userinfo call with an error; see `error` and `status`";
export const MESSAGE_REFRESH_FAILED = "the edge handler gave no access token on refresh; `error` login_required means sign in again";
export const MESSAGE_SESSION_CHANGED = "the edge's session is another patient's than the one signed in on this page: show the new patient or sign in again";
export const MESSAGE_SSO_UNAVAILABLE = "the edge handler gave no single sign-on assertion; `error` sso_unavailable means sign in again first";
export const MESSAGE_RESUME_FAILED = "the edge handler's session could not be read (not a missing session: that resolves to null); see `error` and `status`";

/** What each error code means. */
export const ERROR_MESSAGES = /* @__PURE__ */ Object.freeze({
  invalid_option: MESSAGE_INVALID_OPTION,
  state_mismatch: MESSAGE_STATE_MISMATCH,
  provider_error: MESSAGE_PROVIDER_ERROR,
  invalid_issuer: MESSAGE_INVALID_ISSUER,
  missing_code: MESSAGE_MISSING_CODE,
  malformed_callback: MESSAGE_MALFORMED_CALLBACK,
  malformed_token: MESSAGE_MALFORMED_TOKEN,
  unsupported_alg: MESSAGE_UNSUPPORTED_ALG,
  key_not_found: MESSAGE_KEY_NOT_FOUND,
  invalid_jwks: MESSAGE_INVALID_JWKS,
  invalid_signature: MESSAGE_INVALID_SIGNATURE,
  invalid_audience: MESSAGE_INVALID_AUDIENCE,
  token_expired: MESSAGE_TOKEN_EXPIRED,
  token_issued_in_future: MESSAGE_TOKEN_ISSUED_IN_FUTURE,
  invalid_nonce: MESSAGE_INVALID_NONCE,
  missing_claim: MESSAGE_MISSING_CLAIM,
  invalid_claim: MESSAGE_INVALID_CLAIM,
  vot_not_satisfied: MESSAGE_VOT_NOT_SATISFIED,
  random_unavailable: MESSAGE_RANDOM_UNAVAILABLE,
  invalid_userinfo: MESSAGE_INVALID_USERINFO,
  transaction_expired: MESSAGE_TRANSACTION_EXPIRED,
  token_exchange_failed: MESSAGE_TOKEN_EXCHANGE_FAILED,
  wasm_unavailable: MESSAGE_WASM_UNAVAILABLE,
  userinfo_failed: MESSAGE_USERINFO_FAILED,
  refresh_failed: MESSAGE_REFRESH_FAILED,
  session_changed: MESSAGE_SESSION_CHANGED,
  sso_unavailable: MESSAGE_SSO_UNAVAILABLE,
  resume_failed: MESSAGE_RESUME_FAILED,
});
