// What the user is told for each way signing in can fail. Keyed on the
// library's stable NhsLoginError `.code`, and for `provider_error` on NHS
// login's own `.error` / `.errorDescription` (EIS Table 5; reference §8).
// Never on the message text.

/**
 * @typedef {object} ErrorPage
 * @property {string} kind      stable id for tests and analytics
 * @property {string} title     the page heading
 * @property {string[]} body    paragraphs: what happened
 * @property {string} [next]    inset text: what the user can do
 * @property {string} [startAgain] label of the start-again link; omitted when the user must go elsewhere
 * @property {boolean} [backToNhsApp] show a way back to the NHS App (the user came from it)
 */

/**
 * @param {any} e an NhsLoginError (or anything thrown)
 * @param {string} service the service name, as NHS login's no-consent guidance asks
 * @param {{ nhsApp?: boolean }} [context] `nhsApp`: the user came from the NHS App (its jump-off, or its user agent)
 * @returns {ErrorPage}
 */
export function describeError(e, service, { nhsApp = false } = {}) {
  const code = e?.code;
  const error = e?.error;
  const description = e?.errorDescription ?? '';

  if (code === 'provider_error') {
    // "I do not want to use my NHS login" on NHS login's consent page (APPDOCS; DOCS no-consent-guidance):
    // say their information was not passed to the service, use the service name.
    if (error === 'access_denied' && description === 'ConsentNotGiven') {
      // From the NHS App: NHS login's "NHS App or Wayfinder browser no-consent error screen"
      // (DOCS no-consent-guidance, example-no-consent-content-nhs-app-browser), and a way back.
      if (nhsApp) {
        return {
          kind: 'nhs-app-no-consent',
          title: 'You cannot continue without sharing your information',
          body: [
            'The service provider needs your NHS login information to match you to your record.',
            'If you need medical help, go to 111.nhs.uk or call 111.',
            'Call 999 if it is a life-threatening emergency.',
          ],
          next: 'Close this tab to go back to NHS App.',
          backToNhsApp: true,
        };
      }
      return {
        kind: 'consent-not-given',
        title: 'You have not shared your NHS login information',
        body: [
          `You chose not to share your NHS login information with ${service}.`,
          `Your NHS login information has not been passed to ${service}, so you cannot use this service.`,
        ],
        next: `If you want to use ${service}, start again and agree to share your NHS login information.`,
        startAgain: 'Start again',
      };
    }
    // NHS App jump-off (prompt=none) that NHS login could not honour: send the user back
    // to the NHS App, never into an interactive sign-in inside it (APPDOCS).
    if (['sso_login_required', 'login_required', 'interaction_required'].includes(error) || description.startsWith('asserted_login_identity rejected')) {
      return {
        kind: 'sso-login-required',
        title: 'You need to sign in again',
        body: ['We could not sign you in to this service with your NHS App login.'],
        next: 'Go back to the NHS App and sign in again, then open this service from the NHS App.',
        // Never an interactive sign-in inside the NHS App (APPDOCS): only the way back.
        ...(nhsApp ? { backToNhsApp: true } : { startAgain: 'Start again' }),
      };
    }
    if (error === 'access_denied') {
      return {
        kind: 'access-denied',
        title: 'You cannot use this service with your NHS login',
        body: ['NHS login could not sign you in at the level of identity checks this service needs.'],
        next: 'You can prove your identity to a higher level in your NHS login settings, then start again.',
        startAgain: 'Start again',
      };
    }
    if (error === 'invalid_scope') {
      return {
        kind: 'invalid-scope',
        title: 'Sorry, there is a problem with the service',
        body: ['This service asked NHS login for information it is not set up to receive.', 'This is not a problem with your NHS login.'],
        next: 'Start again and ask for less information, or try again later.',
        startAgain: 'Start again',
      };
    }
    if (error === 'temporarily_unavailable' || error === 'server_error') return unavailable();
  }
  // The code exchange at the edge: its `reason` says whose problem it is (NhsLoginError.reason).
  if (code === 'token_exchange_failed') {
    // NHS login down, slow or answering nonsense: nothing the patient did.
    if (e?.reason === 'nhs_login_unavailable') return unavailable();
    // NHS login refused the code (used, or older than its 10 minutes): the link-used page.
    if (e?.reason !== 'nhs_login_refused' || error !== 'invalid_grant') return serviceProblem();
  }
  if (code === 'state_mismatch' || code === 'token_exchange_failed') {
    return {
      kind: 'link-used',
      title: 'This sign-in link has already been used or has expired',
      body: ['For your security, each link back from NHS login works only once, and only in the browser tab where you started.'],
      next: 'Start again to sign in. You will not need to enter all your details again if you are still signed in to NHS login.',
      startAgain: 'Start again',
    };
  }
  if (code === 'transaction_expired') {
    return {
      kind: 'transaction-expired',
      title: 'You took too long to sign in',
      body: ['For your security, you need to finish signing in with NHS login within 10 minutes.'],
      next: 'Start again to sign in.',
      startAgain: 'Start again',
    };
  }
  return {
    kind: 'generic',
    title: 'Sorry, there is a problem with the service',
    body: ['We could not sign you in with NHS login.'],
    next: 'Start again. If it keeps happening, try again later.',
    startAgain: 'Start again',
  };
}

/** The edge (this service) failed or refused, or NHS login refused this client: the service's problem. */
function serviceProblem() {
  return {
    kind: 'service-problem',
    title: 'Sorry, there is a problem with the service',
    body: ['We could not finish signing you in. The problem is with this service, not with your NHS login.'],
    next: 'Try again later. Your information has not been shared with this service.',
    startAgain: 'Start again',
  };
}

function unavailable() {
  return {
    kind: 'service-unavailable',
    title: 'Sorry, NHS login is not available right now',
    body: ['We could not finish signing you in because NHS login is not available.'],
    next: 'Try again later. Your information has not been shared with this service.',
    startAgain: 'Start again',
  };
}

/** What a developer needs to see (never a token or a secret): code, error, description, HTTP status. */
export function technicalDetails(e) {
  const out = {};
  for (const k of ['name', 'code', 'reason', 'error', 'errorDescription', 'status', 'message']) if (e?.[k] !== undefined) out[k] = e[k];
  return out;
}
