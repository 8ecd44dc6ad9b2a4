// Browser and bundler entry of nhs-login-client.
export {
  createAuthorizationRequest,
  parseCallback,
  validateIdToken,
  createRemoteJwks,
  NhsLoginError,
  ERROR_CODES,
  ERROR_MESSAGES,
  ISSUERS,
  SETTINGS_URLS,
  VECTORS,
  SCOPES,
  settingsUrl,
  isNhsApp,
} from './core.js';
export { NhsLogin } from './session.js';
export { startSessionTimers, timeLeft, formatDuration, IDLE_SECONDS, MAX_SECONDS, ACTIVITY_EVENTS } from './session-timers.js';
