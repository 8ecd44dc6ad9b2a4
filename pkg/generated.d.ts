// Generated from the Rust crate by tests/generated_js.rs (`make generate`): do not edit.

/** NHS login environments with their published issuer and endpoints. */
export type Environment =
  | "sandpit"
  | "integration"
  | "production";

/** A vector of trust NHS login defines (EIS Table 21). */
export type VectorOfTrust =
  | "P0.Cp"
  | "P0.Cp.Cd"
  | "P0.Cp.Ck"
  | "P0.Cm"
  | "P5.Cp"
  | "P5.Cp.Cd"
  | "P5.Cp.Ck"
  | "P5.Cm"
  | "P9.Cp"
  | "P9.Cp.Cd"
  | "P9.Cp.Ck"
  | "P9.Cm";

/** A scope NHS login defines (EIS Table 2). `profile` and `basic_demographics` are alternatives. */
export type Scope =
  | "openid"
  | "profile"
  | "basic_demographics"
  | "profile_extended"
  | "email"
  | "phone"
  | "landline"
  | "gp_registration_details"
  | "gp_integration_credentials"
  | "client_metadata"
  | "nhs_app_credentials";

/** Every stable error code. Switch on `error.code`, never on the message. */
export type ErrorCode =
  | "invalid_option"
  | "state_mismatch"
  | "provider_error"
  | "invalid_issuer"
  | "missing_code"
  | "malformed_callback"
  | "malformed_token"
  | "unsupported_alg"
  | "key_not_found"
  | "invalid_jwks"
  | "invalid_signature"
  | "invalid_audience"
  | "token_expired"
  | "token_issued_in_future"
  | "invalid_nonce"
  | "missing_claim"
  | "invalid_claim"
  | "vot_not_satisfied"
  | "random_unavailable"
  | "invalid_userinfo"
  | "transaction_expired"
  | "token_exchange_failed"
  | "wasm_unavailable"
  | "userinfo_failed"
  | "refresh_failed"
  | "session_changed"
  | "sso_unavailable"
  | "resume_failed";
