// Type declarations for nhs-login-client (hand-written; they are the API contract).

// Environment, VectorOfTrust and ErrorCode are generated from the Rust crate.
import type { Environment, VectorOfTrust, ErrorCode, Scope } from './generated.js';
export type { Environment, VectorOfTrust, ErrorCode, Scope };

/** The error every function of this package rejects with. */
export declare class NhsLoginError extends Error {
  constructor(code: ErrorCode, message: string, extra?: { cause?: unknown; error?: string; errorDescription?: string; status?: number; field?: string; claim?: string; reason?: EdgeFailureReason });
  readonly name: 'NhsLoginError';
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** For `provider_error`: the `error` parameter of the redirect (e.g. `access_denied`, `sso_login_required`). */
  readonly error?: string;
  /** For `provider_error`: the `error_description` parameter (e.g. `ConsentNotGiven`). */
  readonly errorDescription?: string;
  /** For `token_exchange_failed`, `userinfo_failed`, `refresh_failed`, `sso_unavailable`, `resume_failed`: the HTTP status of the edge handler's answer. */
  readonly status?: number;
  /** For `invalid_option`: the option at fault, e.g. `redirectUri`. */
  readonly field?: string;
  /** For `missing_claim` and `invalid_claim`: the claim at fault, e.g. `exp`. */
  readonly claim?: string;
  /**
   * For `token_exchange_failed`: which case it is. For the other edge codes, `edge_unreachable` when
   * the edge could not be reached at all.
   */
  readonly reason?: EdgeFailureReason;
}

/**
 * Why a call to the edge handler failed: nothing reached it (`edge_unreachable`: network, CORS, not
 * running), nothing answers there (`edge_not_found`: a wrong `edgeUrl` or `basePath`), the edge
 * refused the request (`edge_refused`, 4xx) or failed (`edge_failed`, 5xx or an unusable answer), or
 * NHS login refused the exchange (`nhs_login_refused`, e.g. `invalid_grant`, `invalid_client`) or
 * could not complete it (`nhs_login_unavailable`).
 */
export type EdgeFailureReason = 'edge_unreachable' | 'edge_not_found' | 'edge_refused' | 'edge_failed' | 'nhs_login_refused' | 'nhs_login_unavailable';

/** Every error code, for iteration and exhaustiveness checks. */
export declare const ERROR_CODES: readonly ErrorCode[];
/** What each error code means, in a sentence for a developer. */
export declare const ERROR_MESSAGES: Readonly<Record<ErrorCode, string>>;
/** Issuer of each NHS login environment, exactly as in its discovery document. */
export declare const ISSUERS: Readonly<Record<Environment, string>>;
/** NHS login's settings page ("Manage your NHS login") per environment; services must link to it. */
export declare const SETTINGS_URLS: Readonly<Record<Environment, string>>;
/** The 12 vectors of trust NHS login defines (EIS Table 21). */
export declare const VECTORS: readonly VectorOfTrust[];
/** The scopes NHS login defines (EIS Table 2). */
export declare const SCOPES: readonly Scope[];

/**
 * The "Manage your NHS login" settings page of an environment (NHS login docs: linking to settings).
 * Linking to it is a mandatory onboarding scenario. Throws invalid_option for an unknown environment.
 */
export declare function settingsUrl(options: { environment: Environment }): string;

/**
 * Whether a user agent is the NHS App's web view: it ends `nhsapp-android/<version>` or
 * `nhsapp-ios/<version>` (NHS App web integration). Default: `navigator.userAgent`.
 */
export declare function isNhsApp(userAgent?: string): boolean;

export interface AuthorizationRequestOptions {
  /** NHS login environment; sets the authorization endpoint. */
  environment?: Environment;
  /** Explicit authorization endpoint (https; http only on loopback). Overrides `environment`. */
  authorizationEndpoint?: string;
  /** The client id NHS login issued. */
  clientId: string;
  /** The registered redirect URI (https; http only on 127.0.0.1, [::1] or localhost). */
  redirectUri: string;
  /**
   * Scopes; `openid` is added if missing. Default `['openid']`. `profile` and `basic_demographics` are
   * alternatives: both together are invalid_option. Other strings are sent as they are.
   */
  scope?: Array<Scope | (string & {})>;
  /** Vectors of trust to request. Omitted: NHS login assumes `["P9.Cp.Cd","P9.Cp.Ck","P9.Cm"]`. */
  vtr?: VectorOfTrust[];
  /** `none`: single sign-on only (error `sso_login_required` without a session); `login`: force sign-in. */
  prompt?: 'none' | 'login';
  /** The NHS App's `assertedLoginIdentity` JWT, sent as `asserted_login_identity` (use with `prompt: 'none'`). */
  assertedLoginIdentity?: string;
  /** `false` hides NHS login's account-creation links. */
  allowRegistration?: boolean;
  /** `page` (default) or `touch`. */
  display?: 'page' | 'touch';
}

export interface AuthorizationRequest {
  /** Send the browser here. */
  url: string;
  /** Keep until the redirect comes back; pass to `parseCallback`. */
  state: string;
  /** Keep until the ID token is validated; pass to `validateIdToken`. */
  nonce: string;
  /** The PKCE verifier for the token exchange (RFC 7636). */
  codeVerifier: string;
}

/** Rejects with `invalid_option` (naming the field) or `random_unavailable`. */
export declare function createAuthorizationRequest(options: AuthorizationRequestOptions): Promise<AuthorizationRequest>;

export interface CallbackOptions {
  /** The `state` sent with the authorization request. */
  state: string;
  /** Expected issuer, checked against an RFC 9207 `iss` parameter when one is present. */
  issuer?: string;
  /** Alternative to `issuer`. */
  environment?: Environment;
}

/** Rejects with `state_mismatch`, `provider_error`, `invalid_issuer`, `missing_code` or `malformed_callback`. */
export declare function parseCallback(url: string | URL, options: CallbackOptions): Promise<{ code: string }>;

/** A JSON Web Key Set. */
export interface Jwks {
  keys: Array<Record<string, unknown>>;
}

/** A JWKS fetched on demand, cached, and refetched (rate-limited) when a token names an unknown `kid`. */
export interface RemoteJwks {
  readonly url: string;
  /** @internal The current keyset (fetched when absent or stale). */
  keyset(): Promise<unknown>;
  /** @internal Refetches after an unknown `kid`, at most once per cooldown. */
  rotated(): Promise<unknown>;
}

export interface RemoteJwksOptions {
  /** Minimum seconds between refetches triggered by an unknown `kid`. Default 60. */
  cooldownSeconds?: number;
  /** Refetch when the cached copy is older than this. Default 600. */
  maxAgeSeconds?: number;
  /** Fetch timeout. Default 5000. */
  timeoutMs?: number;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
}

/**
 * JWKS from a URL (NHS login's, or the edge handler's cached copy). A path such as `/auth/jwks`
 * is resolved against the page; where there is no page (Node), the URL must be absolute.
 */
export declare function createRemoteJwks(url: string | URL, options?: RemoteJwksOptions): RemoteJwks;

export interface ValidateIdTokenOptions {
  /** Expected `iss`, compared exactly. */
  issuer?: string;
  /** Alternative to `issuer`. */
  environment?: Environment;
  /** Your client id; `aud` must contain it and nothing untrusted. */
  clientId: string;
  /** The signing keys: a JWKS object, its JSON text, or `createRemoteJwks(url)`. */
  jwks: Jwks | string | RemoteJwks;
  /** The nonce sent with the authorization request. Omitted: the token must carry no nonce. */
  nonce?: string;
  /** The `vtr` sent; `vot` must satisfy one vector. Omitted: NHS login's default (P9). */
  vtr?: VectorOfTrust[];
  /** Leeway for `exp`, `iat` and `nbf`, 0 to 600. Default 60. */
  clockSkewSeconds?: number;
  /** Current time in seconds since the epoch (for tests). Default: now. */
  now?: number;
  /** Told of each profile claim left out because its value has an unexpected type. */
  onWarning?: (warning: ClaimWarning) => void;
}

/**
 * A profile claim left out of the validated claims: NHS login sent a value of another type
 * or format than documented (e.g. `email_verified: "yes"`, a 9-digit `nhs_number`). Profile
 * claims never fail a sign-in; the security claims (`iss`, `sub`, `aud`, `exp`, `iat`, `nbf`,
 * `nonce`, `vot`, `azp`, `auth_time`) do. `"true"`/`"false"` in a boolean claim is not a
 * warning: it is normalised to a boolean.
 */
export interface ClaimWarning {
  /** The claim's name. */
  claim: string;
  /** What was wrong, e.g. `is not a boolean`. */
  message: string;
}

/** GP registration details (scope `gp_registration_details`). */
export interface GpRegistrationDetails {
  gp_ods_code?: string;
  [claim: string]: unknown;
}

/** The claims of a validated NHS login ID token. Unknown claims are kept. */
export interface IdTokenClaims extends ProfileClaims {
  iss: string;
  /** Stable NHS login user id. Key local accounts on this, not on the NHS number. */
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  jti?: string;
  nonce?: string;
  auth_time?: number;
  /** The vector of trust achieved, e.g. `P9.Cp.Cd`. */
  vot: string;
  /** Trustmark URL. */
  vtm?: string;
  /** Highest identity level the user has proven. */
  identity_proofing_level?: 'P0' | 'P5' | 'P9';
}

/**
 * The profile claims NHS login may release, in the ID token (identity: NHS number, family name,
 * date of birth) or from userinfo (the rest; NHS login docs: scopes and claims). A claim of an
 * unexpected type is left out with a warning; `"true"`/`"false"` strings become booleans.
 */
export interface ProfileClaims {
  /** 10-digit NHS number (scope `profile`). Never show it to the patient (NHS login docs). */
  nhs_number?: string;
  /** `YYYY-MM-DD`. */
  birthdate?: string;
  family_name?: string;
  given_name?: string;
  email?: string;
  email_verified?: boolean;
  phone_number?: string;
  phone_number_verified?: boolean;
  phone_number_pds_matched?: boolean;
  gp_registration_details?: GpRegistrationDetails;
  [claim: string]: unknown;
}

/**
 * Validates an ID token: RS512 only, key by `kid`, signature (WebCrypto), `iss`, `aud`,
 * `exp`/`iat` with skew, `nonce`, required claims and types, `vot` against `vtr`.
 * Rejects with malformed_token, unsupported_alg, key_not_found, invalid_jwks, invalid_signature,
 * invalid_issuer, invalid_audience, token_expired, token_issued_in_future, invalid_nonce,
 * missing_claim, invalid_claim, vot_not_satisfied or invalid_option.
 */
export declare function validateIdToken(idToken: string, options: ValidateIdTokenOptions): Promise<IdTokenClaims>;

/** A Storage-like object (sessionStorage by default). */
export interface TransactionStorage {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface NhsLoginOptions extends Partial<AuthorizationRequestOptions> {
  clientId: string;
  redirectUri: string;
  /** Expected issuer for the RFC 9207 `iss` check on the redirect. */
  issuer?: string;
  /** Where transactions are kept. Default `sessionStorage`. Never use localStorage. */
  storage?: TransactionStorage;
  /** How long a sign-in may take. Default 600 (10 minutes). */
  transactionTtlSeconds?: number;
  /** Where the edge handler's routes live (e.g. `/auth`), for `completeSignIn`. */
  edgeUrl?: string;
  /** Leeway for ID token times in `completeSignIn`. Default 60. */
  clockSkewSeconds?: number;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch;
  /**
   * The NHS login settings page for `settingsLink()`, when not the environment's (e.g. a local provider's
   * `/settings`). Default `settingsUrl({ environment })`.
   */
  settingsUrl?: string;
}

export interface SignInResult {
  claims: IdTokenClaims;
  /** Profile claims left out of `claims` for an unexpected type (usually empty). */
  warnings: ClaimWarning[];
  idToken: string;
  accessToken: string;
  tokenType: string;
  expiresIn?: number;
  scope?: string;
  /**
   * The device clock's offset from the edge's (seconds, edge − device, from its `Date` header; 0
   * without one). The ID token was validated with the corrected time, so a device clock that is off
   * does not lock the patient out; an app may warn when it is large.
   */
  clockOffsetSeconds: number;
}

export interface ResumeResult extends RefreshResult {
  /** The ID token's claims as the edge validated them at sign-in (without `nonce`). */
  claims: IdTokenClaims;
  vot: string;
  /** When the session ends without use (seconds since the epoch). */
  idleExpiresAt: number;
  /** When the session ends whatever the use (seconds since the epoch). */
  expiresAt: number;
}

export interface RedirectResult {
  code: string;
  codeVerifier: string;
  nonce: string;
  vtr?: VectorOfTrust[];
  redirectUri: string;
}

/** Stateful convenience layer for single-page apps. */
export declare class NhsLogin {
  constructor(options: NhsLoginOptions);
  /** Stores a single-use transaction and (unless `redirect: false`) navigates to NHS login. Resolves to the URL. */
  signIn(overrides?: Partial<AuthorizationRequestOptions> & { redirect?: boolean }): Promise<string>;
  /**
   * Handles the redirect (default: the current address), consuming the transaction and cleaning the URL.
   * Rejects with state_mismatch, transaction_expired or any parseCallback code.
   */
  handleRedirect(url?: string | URL): Promise<RedirectResult>;
  /**
   * handleRedirect, then the code exchange at `{edgeUrl}/token`, then ID token validation against
   * `{edgeUrl}/jwks`. Rejects with token_exchange_failed (with `.error`, `.status`) or any validation code.
   */
  completeSignIn(url?: string | URL): Promise<SignInResult>;
  /**
   * The patient's userinfo through `{edgeUrl}/userinfo` (email, phone, GP details: NHS login
   * releases them there, not in the ID token). On a 401 (NHS login's access tokens live
   * 5 minutes) it refreshes once through `{edgeUrl}/refresh` and retries. The edge checks
   * that userinfo's `sub` is the signed-in patient's. Rejects with userinfo_failed or
   * refresh_failed (`.error` `login_required`: sign in again).
   */
  userinfo(): Promise<UserinfoClaims>;
  /**
   * A fresh access token from `{edgeUrl}/refresh`, kept in memory for `userinfo()`; concurrent calls
   * share one refresh, and refreshes are serialised across tabs (Web Locks, else BroadcastChannel).
   * Rejects with refresh_failed, or session_changed when the edge's session is another patient's than
   * the one signed in on this page.
   */
  refresh(): Promise<RefreshResult>;
  /**
   * A one-time `asserted_login_identity` JWT from `{edgeUrl}/sso-assertion` (60 s), for handing the patient to
   * another NHS login service. Rejects with sso_unavailable (`.error` `sso_unavailable`: sign in again first) or
   * session_changed (the edge's session is another patient's).
   */
  ssoAssertion(): Promise<{ assertedLoginIdentity: string; expiresIn?: number }>;
  /**
   * NHS App entry: when the page was opened with `?assertedLoginIdentity=<jwt>`, removes it from the address bar
   * and starts a silent sign-in (`prompt: 'none'`, the JWT forwarded as `asserted_login_identity`). Resolves to the
   * authorization URL, or null when the page was not opened so. Rejects with malformed_callback (the parameter twice).
   */
  handleNhsAppEntry(overrides?: Partial<AuthorizationRequestOptions> & { redirect?: boolean }, url?: string): Promise<string | null>;
  /**
   * Step-up in the same visit (e.g. P5 to P9): a new authorization request with `vtr` and a one-time
   * `asserted_login_identity` from `{edgeUrl}/sso-assertion` (no second password; without one, the patient signs
   * in again). Resolves to the authorization URL. Rejects with invalid_option (empty `vtr`) or any signIn code.
   */
  stepUp(vtr: readonly VectorOfTrust[], overrides?: Partial<AuthorizationRequestOptions> & { redirect?: boolean }): Promise<string>;
  /**
   * A link to "Manage your NHS login" that needs no second sign-in: the settings page with a one-time
   * `asserted_login_identity` (60 s: make it when the patient chooses the link). Rejects with invalid_option,
   * sso_unavailable or session_changed.
   */
  settingsLink(): Promise<string>;
  /**
   * Sets `client_user_metadata` at NHS login through `PATCH {edgeUrl}/userinfo` (EIS §3.6.3): at most 1024
   * characters; `""` clears it, `"auto"` has NHS login generate one. Needs the `client_metadata` scope. Rejects with
   * invalid_option, userinfo_failed (`.status`, `.error`) or refresh_failed.
   */
  setClientUserMetadata(value: string): Promise<void>;
  /**
   * Restores the signed-in state after a reload: `{edgeUrl}/session` (the claims as the edge validated them at
   * sign-in, `vot`, deadlines), then `{edgeUrl}/refresh`. Resolves to null when there is no session. Rejects
   * with resume_failed, refresh_failed or session_changed.
   */
  resume(): Promise<ResumeResult | null>;
  /**
   * Ends the edge session (`{edgeUrl}/sign-out`) and forgets the access token. NHS login has no logout.
   * Never rejects: true when the edge ended its session. `{ expired }` (as startSessionTimers passes it)
   * makes the next `signIn()` send `prompt: 'login'`.
   */
  signOut(options?: { expired?: 'idle' | 'max' }): Promise<boolean>;
}

/** Claims from NHS login's userinfo endpoint (unsigned JSON; `sub` checked by the edge). */
export interface UserinfoClaims extends ProfileClaims {
  sub: string;
}

export interface RefreshResult {
  accessToken: string;
  tokenType?: string;
  expiresIn?: number;
  scope?: string;
}

// ---- NHS login session rules --------------------------------------------------

/** 30 minutes: re-authenticate after this much inactivity (NHS login session management). */
export declare const IDLE_SECONDS: number;
/** 12 hours: re-authenticate after this long, whatever the activity. */
export declare const MAX_SECONDS: number;
/** DOM events that count as activity. */
export declare const ACTIVITY_EVENTS: readonly string[];

export interface SessionTimeLeft {
  idleMs: number;
  maxMs: number;
  /** Which rule ran out first (`max` wins a tie), or null. */
  expired: null | 'idle' | 'max';
}

/** Pure: the time left on both rules at `now` (ms since the epoch). */
export declare function timeLeft(
  session: { startedAt: number; lastActivityAt: number; idleSeconds: number; maxSeconds: number },
  now: number,
): SessionTimeLeft;

/** `29:59` under an hour, `11:59:59` from an hour; rounds up. */
export declare function formatDuration(ms: number): string;

export interface SessionTimerOptions {
  /**
   * When the user signed in (ms since the epoch): the ID token's `iat` × 1000 (always present). Default now.
   * Not a finite number (e.g. NaN from a missing `auth_time`): throws NhsLoginError `invalid_option`.
   */
  startedAt?: number;
  /** Default 1800. */
  idleSeconds?: number;
  /** Default 43200. */
  maxSeconds?: number;
  /** Called once when either rule runs out: send the user through NHS login again. */
  onExpire: (reason: 'idle' | 'max') => void;
  /** Called every tick while the session lasts (e.g. to show countdowns). */
  onTick?: (left: SessionTimeLeft) => void;
  tickMs?: number;
  now?: () => number;
  /** Where activity is heard; default `document`. */
  activityTarget?: EventTarget;
  activityEvents?: readonly string[];
  scheduler?: { setInterval: typeof setInterval; clearInterval: typeof clearInterval };
  /** On expiry: `login.signOut({ expired })` ends the edge session and makes the next sign-in send `prompt=login`. */
  login?: { signOut(options?: { expired?: 'idle' | 'max' }): Promise<boolean> };
  /** Without `login`: on expiry, `POST {edgeUrl}/sign-out` with the cookie. */
  edgeUrl?: string;
  /** For `edgeUrl`. Default the global fetch. */
  fetch?: typeof fetch;
}

export interface SessionTimers {
  /** Counts as activity. */
  touch(): void;
  stop(): void;
  check(): SessionTimeLeft;
  readonly expired: null | 'idle' | 'max';
}

/**
 * NHS login's session rules for web services: a full NHS login journey again after 30 minutes
 * without activity and after 12 hours. Deadlines are recomputed from timestamps on every tick,
 * so a throttled tab or a sleeping laptop cannot stretch the session.
 */
export declare function startSessionTimers(options: SessionTimerOptions): SessionTimers;
