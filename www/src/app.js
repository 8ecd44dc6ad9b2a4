// The demo service: a small single-page app on the NHS.UK design system that
// signs people in with NHS login through nhs-login-client.
//
//   /                  start page: identity level, scopes, the NHS login button;
//                      `?assertedLoginIdentity=<jwt>` signs in silently (NHS App entry:
//                      NhsLogin.handleNhsAppEntry())
//   /callback          the redirect URI: NhsLogin.completeSignIn() (code exchange at the
//                      edge handler, ID token validation), then NhsLogin.userinfo() for the
//                      rest of the patient's details, then the details, or an error page
//
// Tokens live in memory only (`session` below, and the NhsLogin instance): a reload signs
// the user out. The NHS number is never shown (see format.js).
import { NhsLogin, startSessionTimers, formatDuration, isNhsApp, SCOPES as NHS_LOGIN_SCOPES } from 'nhs-login-client';
import { initAll } from 'nhsuk-frontend';
import { describeError, technicalDetails } from './errors.js';
import { LEVELS, LEVEL_RANK, NHS_NUMBER_RECEIVED, redactNhsNumber, formatDate, formatLevel, formatTime, decodeJwt } from './format.js';
import { html } from './html.js';

const config = JSON.parse(document.getElementById('demo-config').textContent);
const SERVICE = config.serviceName;
const EDGE = config.edgeUrl; // the edge handler's routes, same origin
const SETTINGS_KEY = 'nhs-login-demo:settings'; // level and scopes only, never tokens
// Set when the NHS App opened this service (its jump-off): errors then offer the way back to it.
const ENTRY_KEY = 'nhs-login-demo:entry';

// What each NHS login scope shares (NHS login docs: scopes and claims). Every scope NHS login
// defines is offered: the list is the library's SCOPES (generated from the Rust crate), minus openid.
const SCOPE_LABELS = {
  profile: 'NHS number, surname and date of birth',
  basic_demographics: 'Surname and date of birth, without the NHS number (instead of profile, never with it)',
  profile_extended: 'First name',
  email: 'Email address',
  phone: 'Mobile phone number',
  landline: 'Landline phone number',
  gp_registration_details: 'GP surgery',
  gp_integration_credentials: 'GP online services credentials (IM1 services only)',
  client_metadata: 'A reference this service keeps with your NHS login',
  nhs_app_credentials: 'NHS App credentials (the NHS App only)',
};
const SCOPES = NHS_LOGIN_SCOPES.filter((s) => s !== 'openid').map((value) => ({ value, label: SCOPE_LABELS[value] ?? value, hint: value }));
const fromNhsApp = () => isNhsApp() || sessionStorage.getItem(ENTRY_KEY) === 'nhs-app';
const DEFAULT_SETTINGS = { level: 'P9', scopes: ['profile', 'profile_extended', 'email', 'phone'] };

const login = new NhsLogin({
  authorizationEndpoint: config.authorizationEndpoint,
  issuer: config.issuer,
  clientId: config.clientId,
  redirectUri: config.redirectUri,
  edgeUrl: EDGE,
  settingsUrl: config.settingsUrl, // NHS login: settings.<environment>; here the local provider's page
});

/** The signed-in session, in memory only. */
let session = null;
/** A message for the next start page (signed out, timed out). */
let flash = null;

const main = document.getElementById('app');

// ---- routing -------------------------------------------------------------

function go(path) {
  history.pushState(null, '', path);
  route();
}

async function route() {
  window.__demoReady = false;
  const { pathname, search } = location;
  try {
    if (pathname === '/' || pathname === '/index.html') {
      if (new URLSearchParams(search).has('assertedLoginIdentity')) await nhsAppEntry();
      else showStart();
    } else if (pathname === '/callback') {
      const p = new URLSearchParams(search);
      const back = p.has('state') || p.has('code') || p.has('error');
      if (session && !back) showAccount();
      else if (!back) await resumeSession();
      else await completeSignIn();
    } else {
      showNotFound();
    }
  } catch (e) {
    showError(e);
  }
}

/** Renders a page into <main>, starts NHS.UK components, marks the page ready for tests. */
function render(page, title, content, { focus = true } = {}) {
  main.innerHTML = String(content);
  document.title = `${title} – ${SERVICE}`;
  document.body.dataset.page = page;
  initAll(main);
  if (focus) main.querySelector('h1')?.focus({ preventScroll: true });
  window.scrollTo(0, 0);
  window.__demoReady = true;
}

// ---- start page ------------------------------------------------------------

function loadSettings() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SETTINGS_KEY));
    if (s && LEVELS[s.level] && Array.isArray(s.scopes)) return { level: s.level, scopes: s.scopes.filter((v) => SCOPES.some((x) => x.value === v)) };
  } catch {}
  return DEFAULT_SETTINGS;
}

const authOptions = (settings) => ({ vtr: LEVELS[settings.level].vtr, scope: ['openid', ...settings.scopes] });

function showStart() {
  const settings = loadSettings();
  const message = flash;
  flash = null;
  render(
    'start',
    'Use NHS login to access this service',
    html`
      ${message ? notification(message) : ''}
      <h1 tabindex="-1">Use NHS login to access this service</h1>
      <p class="nhsuk-body-l">This demo service shows how a website signs people in with NHS login and what NHS login shares with it.</p>
      <p>NHS login allows you to access your health and care websites and apps with one set of login details.</p>
      <p>We will check if you have an NHS login. If not, you can set one up.</p>
      ${session
        ? html`<div class="nhsuk-inset-text" data-testid="already-signed-in"><span class="nhsuk-u-visually-hidden">Information: </span>
            <p>You are signed in. <a href="/callback">View your NHS login details</a>.</p></div>`
        : ''}
      <!-- NHS login button guidance (websites that show the NHS logo): "Continue to NHS login", NHS blue, no
           second NHS logo, up front; a form on the same screen comes after it, clearly apart. -->
      <button class="nhsuk-button nhsuk-button--login" data-module="nhsuk-button" data-prevent-double-click="true" type="submit" form="sign-in-form" id="nhs-login-button" data-testid="nhs-login-button">Continue to NHS login</button>
      <p class="nhsuk-body-s demo-muted">You will sign in with a local test provider that behaves like NHS login, with test patients only.</p>
      <hr class="nhsuk-section-break nhsuk-section-break--l nhsuk-section-break--visible">
      <form id="sign-in-form" novalidate>
        <div class="nhsuk-card demo-settings">
          <div class="nhsuk-card__content">
            <h2 class="nhsuk-card__heading">Demo settings</h2>
            <p class="nhsuk-card__description">A real service asks for one level and set of information, agreed with NHS login. Here you can try them all, then choose Continue to NHS login above.</p>
            ${radios(settings.level)}
            ${checkboxes(settings.scopes)}
          </div>
        </div>
      </form>
    `,
    { focus: Boolean(message) },
  );
  document.getElementById('sign-in-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = new FormData(ev.currentTarget);
    const chosen = { level: LEVELS[form.get('level')] ? form.get('level') : 'P9', scopes: form.getAll('scope') };
    sessionStorage.setItem(SETTINGS_KEY, JSON.stringify(chosen));
    sessionStorage.removeItem(ENTRY_KEY); // a sign-in started here, not from the NHS App
    try {
      await login.signIn(authOptions(chosen)); // stores the transaction, then navigates to NHS login
    } catch (e) {
      showError(e);
    }
  });
}

function radios(level) {
  return html`
    <div class="nhsuk-form-group">
      <fieldset class="nhsuk-fieldset" aria-describedby="level-hint">
        <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Identity level to ask for</legend>
        <div class="nhsuk-hint" id="level-hint">Sent to NHS login as the vectors of trust (<code>vtr</code>).</div>
        <div class="nhsuk-radios" data-module="nhsuk-radios">
          ${Object.entries(LEVELS).map(
            ([key, l]) => html`
              <div class="nhsuk-radios__item">
                <input class="nhsuk-radios__input" id="level-${key}" name="level" type="radio" value="${key}" aria-describedby="level-${key}-hint" ${key === level ? html`checked` : ''}>
                <label class="nhsuk-label nhsuk-radios__label" for="level-${key}">${l.label} (${key})</label>
                <div class="nhsuk-hint nhsuk-radios__hint" id="level-${key}-hint">${l.hint} <code>${JSON.stringify(l.vtr)}</code></div>
              </div>`,
          )}
        </div>
      </fieldset>
    </div>`;
}

function checkboxes(scopes) {
  return html`
    <div class="nhsuk-form-group">
      <fieldset class="nhsuk-fieldset" aria-describedby="scope-hint">
        <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Information to ask for</legend>
        <div class="nhsuk-hint" id="scope-hint">Sent as scopes, after <code>openid</code>. Select all that apply.</div>
        <div class="nhsuk-checkboxes" data-module="nhsuk-checkboxes">
          ${SCOPES.map(
            (s) => html`
              <div class="nhsuk-checkboxes__item">
                <input class="nhsuk-checkboxes__input" id="scope-${s.value}" name="scope" type="checkbox" value="${s.value}" aria-describedby="scope-${s.value}-hint" ${scopes.includes(s.value) ? html`checked` : ''}>
                <label class="nhsuk-label nhsuk-checkboxes__label" for="scope-${s.value}">${s.label}</label>
                <div class="nhsuk-hint nhsuk-checkboxes__hint" id="scope-${s.value}-hint"><code>${s.hint}</code></div>
              </div>`,
          )}
        </div>
      </fieldset>
    </div>`;
}

function notification({ title, text, id }) {
  return html`
    <div class="nhsuk-notification-banner" data-module="nhsuk-notification-banner" role="region" aria-labelledby="notification-title" id="${id}" data-testid="${id}">
      <div class="nhsuk-notification-banner__header">
        <h2 class="nhsuk-notification-banner__title" id="notification-title">Important</h2>
      </div>
      <div class="nhsuk-notification-banner__content">
        <p class="nhsuk-notification-banner__heading">${title}</p>
        <p>${text}</p>
      </div>
    </div>`;
}

function showSigningIn(text) {
  render('signing-in', 'Signing you in', html`<h1 tabindex="-1">Signing you in</h1><p id="signing-in">${text}</p>`);
  window.__demoReady = false; // not a finished page: something else follows
}

// NHS App entry (NHS App web integration): the app opens the service with ?assertedLoginIdentity=<jwt>.
// One call: the one-time JWT leaves the address bar, and a silent sign-in starts (prompt=none,
// asserted_login_identity), so NHS login signs the same person in without asking again.
async function nhsAppEntry() {
  sessionStorage.setItem(ENTRY_KEY, 'nhs-app');
  showSigningIn('Signing you in with your NHS App login…');
  await login.handleNhsAppEntry(authOptions(loadSettings()));
}

// ---- callback -------------------------------------------------------------

async function completeSignIn() {
  showSigningIn('Checking your details with NHS login…');
  endSession();
  // handleRedirect (single-use transaction, state and iss checks, URL cleaned),
  // POST /auth/token at the edge (private_key_jwt), ID token validated against /auth/jwks.
  const r = await login.completeSignIn();
  await startSession(r);
}

// A reload of the account page (tokens live in memory only): NhsLogin.resume()
// asks the edge for the session's validated claims and a fresh access token.
async function resumeSession() {
  showSigningIn('Checking your NHS login session…');
  const r = await login.resume();
  if (!r) return go('/');
  await startSession({ claims: r.claims, warnings: [], expiresIn: r.expiresIn });
}

async function startSession(r) {
  // NHS login's ID token carries the identity claims only: first name, email, phone and GP
  // come from userinfo (NHS login: "make a request to the UserInfo endpoint to obtain any of
  // the claims"). Without them the ID token's claims are still shown, with the error.
  showSigningIn('Getting your details from NHS login…');
  let userinfo = null;
  let userinfoError = null;
  try {
    userinfo = await login.userinfo();
  } catch (e) {
    userinfoError = e;
  }
  // The access token stays inside `login`; the page keeps what it shows.
  // The device clock's offset from the edge's (completeSignIn validated the token with it).
  const clockOffsetSeconds = r.clockOffsetSeconds ?? 0;
  const signedIn = { claims: r.claims, warnings: r.warnings ?? [], idToken: r.idToken, expiresIn: r.expiresIn, userinfo, userinfoError, refreshedAt: null, clockOffsetSeconds };
  session = signedIn;
  signedIn.timers = startSessionTimers({
    // The sign-in time is the server's: on the device's clock it is that minus the offset.
    startedAt: ((r.claims.auth_time ?? r.claims.iat) - clockOffsetSeconds) * 1000,
    idleSeconds: config.idleSeconds,
    maxSeconds: config.maxSeconds,
    onTick: showTimeLeft,
    // On expiry the edge session ends too ({edgeUrl}/sign-out), and the next sign-in sends prompt=login.
    login,
    onExpire: (reason) => {
      endSession();
      flash =
        reason === 'idle'
          ? { id: 'timed-out', title: 'You have been signed out', text: `You were signed out because you had not done anything for ${minutes(config.idleSeconds)}. Sign in again to continue.` }
          : { id: 'timed-out', title: 'You need to sign in again', text: `You signed in with NHS login ${minutes(config.maxSeconds)} ago. For your security, sign in again to continue.` };
      go('/');
    },
  });
  if (session === signedIn) showAccount(); // else: already past a limit, and on the start page
}

const minutes = (s) => (s >= 3600 && s % 3600 === 0 ? `${s / 3600} hours` : s >= 60 && s % 60 === 0 ? `${s / 60} minutes` : `${s} seconds`);

function endSession() {
  session?.timers?.stop();
  session = null;
}

function showTimeLeft({ idleMs, maxMs }) {
  const idle = document.getElementById('idle-remaining');
  const max = document.getElementById('max-remaining');
  if (idle) idle.textContent = formatDuration(idleMs);
  if (max) max.textContent = formatDuration(maxMs);
}

// ---- the signed-in page ------------------------------------------------------

const SOURCE_TEXT = { 'id-token': 'the ID token', userinfo: 'userinfo' };

/**
 * One of the patient's details with where it came from: the ID token (signed, validated in
 * this browser) wins; otherwise userinfo (unsigned, through the edge, which checked its `sub`).
 * Resolves to { value, source } with source 'id-token', 'userinfo' or null.
 */
function detail(name) {
  if (session.claims[name] !== undefined && session.claims[name] !== null) return { value: session.claims[name], source: 'id-token' };
  const info = session.userinfo;
  if (info && info[name] !== undefined && info[name] !== null) return { value: info[name], source: 'userinfo' };
  return { value: undefined, source: null };
}

/** `alice@example.org (verified)`: a value with its `*_verified` flag, if NHS login sent one. */
function withVerified(value, verified) {
  if (verified === true) return `${value} (verified)`;
  if (verified === false) return `${value} (not verified)`;
  return value;
}

/** The caption under a detail: where it came from. `parts`: [label, source] pairs for a detail made of several claims. */
function sourceCaption(parts) {
  const present = parts.filter(([, source]) => source);
  const sources = [...new Set(present.map(([, source]) => source))];
  if (sources.length === 0) return '';
  if (sources.length === 1) return `From ${SOURCE_TEXT[sources[0]]}`;
  const text = present.map(([label, source]) => `${label} from ${SOURCE_TEXT[source]}`).join(', ');
  return text[0].toUpperCase() + text.slice(1);
}

function showAccount() {
  const c = session.claims;
  // After a reload (resume) the page has the edge's validated claims, not the token itself.
  const { header, payload } = session.idToken ? decodeJwt(session.idToken) : { header: null, payload: session.claims };
  const given = detail('given_name');
  const family = detail('family_name');
  const name = [given.value, family.value].filter(Boolean).join(' ');
  const nhsNumber = detail('nhs_number');
  const birthdate = detail('birthdate');
  const level = detail('identity_proofing_level');
  const email = detail('email');
  const phone = detail('phone_number');
  const gp = detail('gp_registration_details');
  const gpCode = typeof gp.value?.gp_ods_code === 'string' ? gp.value.gp_ods_code : null;
  // Missing after a failed userinfo call: perhaps shared, but not fetched.
  const notShared = html`<span class="demo-muted">${session.userinfoError ? 'Could not be fetched' : 'Not shared'}</span>`;
  // `from`: the value's source, or [label, source] pairs for a value made of several claims.
  // The value's element has the id the tests read; `data-source` lists the sources.
  const row = (key, value, id, from) => {
    const parts = Array.isArray(from) ? from : [['', from]];
    const shared = value !== null && value !== undefined && value !== '';
    const caption = shared ? sourceCaption(parts) : '';
    const sources = [...new Set(parts.map(([, source]) => source).filter(Boolean))].join(' ');
    return html`
      <div class="nhsuk-summary-list__row" data-testid="claim-${id}" ${shared && sources ? html`data-source="${sources}"` : ''}>
        <dt class="nhsuk-summary-list__key">${key}</dt>
        <dd class="nhsuk-summary-list__value"><span id="claim-${id}">${shared ? value : notShared}</span>${caption ? html`<span class="demo-source" id="claim-${id}-source">${caption}</span>` : ''}</dd>
      </div>`;
  };
  const left = session.timers.check();
  if (left.expired) return; // onExpire has moved on to the start page

  render(
    'account',
    'Your NHS login details',
    html`
      <span class="nhsuk-caption-l">Signed in with NHS login</span>
      <h1 tabindex="-1">${name ? html`<span id="signed-in-name">${name}</span>` : 'Your NHS login details'}</h1>

      <div class="nhsuk-card" data-testid="session-timers">
        <div class="nhsuk-card__content">
          <h2 class="nhsuk-card__heading">Your session</h2>
          <p class="nhsuk-card__description">NHS login asks services to sign you out after ${minutes(config.idleSeconds)} without activity, and ${minutes(config.maxSeconds)} after you sign in.</p>
          <dl class="nhsuk-summary-list nhsuk-summary-list--no-last-row-border">
            <div class="nhsuk-summary-list__row">
              <dt class="nhsuk-summary-list__key">Signed out if inactive in</dt>
              <dd class="nhsuk-summary-list__value"><span id="idle-remaining" role="timer" class="demo-timer">${formatDuration(left.idleMs)}</span></dd>
            </div>
            <div class="nhsuk-summary-list__row">
              <dt class="nhsuk-summary-list__key">Must sign in again in</dt>
              <dd class="nhsuk-summary-list__value"><span id="max-remaining" role="timer" class="demo-timer">${formatDuration(left.maxMs)}</span></dd>
            </div>
          </dl>
        </div>
      </div>

      ${session.userinfoError
        ? html`<div class="nhsuk-card nhsuk-card--warning" data-testid="userinfo-unavailable" id="userinfo-unavailable">
            <div class="nhsuk-card__content">
              <h2 class="nhsuk-card__heading"><span role="text"><span class="nhsuk-u-visually-hidden">Important: </span>Some of your details could not be fetched</span></h2>
              <p class="nhsuk-card__description">NHS login's userinfo endpoint could not be read, so only the details in the ID token are shown.</p>
              <p class="nhsuk-body-s demo-muted" id="userinfo-unavailable-reason">${problem(session.userinfoError)}</p>
            </div>
          </div>`
        : ''}
      <div class="nhsuk-card">
        <div class="nhsuk-card__content">
          <h2 class="nhsuk-card__heading">Details NHS login shared</h2>
          <p class="nhsuk-card__description" id="claims-sources">NHS login puts who you are in the ID token, which this service has checked. Your first name, contact details and GP surgery come from NHS login's userinfo endpoint. Under each detail is where it came from.</p>
          ${Math.abs(session.clockOffsetSeconds ?? 0) >= 300
            ? html`<div class="nhsuk-inset-text" data-testid="clock-warning" id="clock-warning">
                <span class="nhsuk-u-visually-hidden">Information: </span>
                <p>Your device's clock is about ${minutes(Math.abs(Math.round(session.clockOffsetSeconds / 60) * 60))} ${session.clockOffsetSeconds > 0 ? 'behind' : 'ahead'}. You were signed in using this service's clock; setting your device's clock right may stop other websites from failing.</p>
              </div>`
            : ''}
          ${session.warnings.length
            ? html`<div class="nhsuk-inset-text" data-testid="claim-warnings" id="claim-warnings">
                <span class="nhsuk-u-visually-hidden">Information: </span>
                <p>Left out, because NHS login sent them in a form this service does not expect:</p>
                <ul class="nhsuk-list nhsuk-list--bullet">${session.warnings.map((w) => html`<li><code>${w.claim}</code> ${w.message}</li>`)}</ul>
              </div>`
            : ''}
          <dl class="nhsuk-summary-list nhsuk-summary-list--no-last-row-border" id="claims">
            ${row('Name', name || null, 'name', [['first name', given.source], ['surname', family.source]])}
            ${row('NHS number', nhsNumber.source ? NHS_NUMBER_RECEIVED : null, 'nhs-number', nhsNumber.source)}
            ${row('Date of birth', birthdate.value ? formatDate(birthdate.value) : null, 'birthdate', birthdate.source)}
            ${row('Identity level', level.value ? formatLevel(level.value) : null, 'identity-level', level.source)}
            ${row('Vector of trust (vot)', html`<code>${c.vot}</code>`, 'vot', 'id-token')}
            ${row('Email address', email.value ? withVerified(email.value, detail('email_verified').value) : null, 'email', email.source)}
            ${row('Mobile phone number', phone.value ? withVerified(phone.value, detail('phone_number_verified').value) : null, 'phone', phone.source)}
            ${row('GP surgery (ODS code)', gpCode, 'gp', gp.source)}
            ${row('NHS login ID (sub)', html`<code>${c.sub}</code>`, 'sub', 'id-token')}
            ${row('Signed in', formatTime(c.auth_time ?? c.iat), 'signed-in-at', 'id-token')}
          </dl>
        </div>
      </div>

      <h2>Try the edge handler</h2>
      <p>The access token lasts ${session.expiresIn ? minutes(session.expiresIn) : 'a few minutes'}. When it has run out, <code>NhsLogin.userinfo()</code> refreshes it once and tries again. The refresh token never reaches this page: the edge handler keeps it in an encrypted cookie.</p>
      <div class="nhsuk-button-group">
        <button class="nhsuk-button nhsuk-button--secondary" data-module="nhsuk-button" type="button" id="get-userinfo" data-testid="get-userinfo">Get userinfo</button>
        <button class="nhsuk-button nhsuk-button--secondary" data-module="nhsuk-button" type="button" id="refresh" data-testid="refresh">Refresh access token</button>
      </div>
      <div id="userinfo-output" aria-live="polite"></div>
      <div id="refresh-output" aria-live="polite"></div>

      <h2>ID token</h2>
      <p>Validated in this browser: RS512 signature, issuer, audience, expiry, nonce and vector of trust. The NHS number is hidden here too.</p>
      ${header ? html`<h3 class="nhsuk-heading-s">Header</h3>
      <pre class="demo-json" id="id-token-header" data-testid="id-token-header">${JSON.stringify(header, null, 2)}</pre>` : html`<p data-testid="resumed">Restored after a reload: these are the claims the edge validated at sign-in.</p>`}
      <h3 class="nhsuk-heading-s">Payload</h3>
      <pre class="demo-json" id="id-token-payload" data-testid="id-token-payload">${JSON.stringify(redactNhsNumber(payload), null, 2)}</pre>

      <h2>Your NHS login</h2>
      <p>You can change your email address, password or phone number, or delete your NHS login, in your NHS login settings. You will not need to sign in again.</p>
      <p><a href="${config.settingsUrl}" id="nhs-login-settings" data-testid="nhs-login-settings">Manage your NHS login</a></p>
      <div id="settings-output" aria-live="polite"></div>

      ${LEVEL_RANK[String(c.vot).slice(0, 2)] < LEVEL_RANK.P9
        ? html`<h2>Prove who you are to do more</h2>
          <p>You signed in at ${formatLevel(String(c.vot).slice(0, 2))}. Some parts of a service need high identity checks (P9). NHS login can check your identity now, and you will not need to enter your password again.</p>
          <button class="nhsuk-button nhsuk-button--secondary" data-module="nhsuk-button" type="button" id="step-up" data-testid="step-up">Prove who you are (High, P9)</button>
          <div id="step-up-output" aria-live="polite"></div>`
        : ''}

      <h2>Your reference with this service</h2>
      <p>NHS login can keep a reference for this service with your NHS login (<code>client_user_metadata</code>, with the <code>client_metadata</code> scope). It comes back from userinfo.</p>
      <p>Reference now: <span id="client-user-metadata" data-testid="client-user-metadata">${session.userinfo?.client_user_metadata ?? 'None'}</span></p>
      <form id="metadata-form" novalidate>
        <div class="nhsuk-form-group">
          <label class="nhsuk-label" for="metadata-value">New reference</label>
          <div class="nhsuk-hint" id="metadata-hint">Up to 1024 characters. Leave it empty to remove the reference, or enter <code>auto</code> to have NHS login make one.</div>
          <input class="nhsuk-input" id="metadata-value" name="metadata" type="text" maxlength="1024" aria-describedby="metadata-hint" autocomplete="off">
        </div>
        <button class="nhsuk-button nhsuk-button--secondary" data-module="nhsuk-button" type="submit" id="save-metadata" data-testid="save-metadata">Save reference</button>
      </form>
      <div id="metadata-output" aria-live="polite"></div>

      <h2>NHS App single sign-on</h2>
      <p>The NHS App opens services with a one-time <code>assertedLoginIdentity</code>. The edge handler can make one from this session, so you can see the silent sign-in.</p>
      <button class="nhsuk-button nhsuk-button--secondary" data-module="nhsuk-button" type="button" id="try-sso" data-testid="try-sso">Open this service as the NHS App would</button>

      <h2>Sign out</h2>
      <p>NHS login has no sign-out: this forgets your details in this service and ends the edge session (its refresh token).</p>
      <button class="nhsuk-button nhsuk-button--warning" data-module="nhsuk-button" type="button" id="sign-out" data-testid="sign-out">Sign out</button>
    `,
  );
  document.getElementById('get-userinfo').addEventListener('click', oneAtATime(getUserinfo));
  document.getElementById('refresh').addEventListener('click', oneAtATime(refresh));
  document.getElementById('try-sso').addEventListener('click', trySso);
  document.getElementById('nhs-login-settings').addEventListener('click', openSettings);
  document.getElementById('step-up')?.addEventListener('click', stepUp);
  document.getElementById('metadata-form').addEventListener('submit', saveMetadata);
  document.getElementById('sign-out').addEventListener('click', async () => {
    await edge('/sign-out', { method: 'POST' }).catch(() => {});
    endSession();
    flash = { id: 'signed-out', title: 'You have signed out', text: 'Your details have been removed from this service. You may still be signed in to NHS login in this browser.' };
    go('/');
  });
}

/** Calls the edge handler; resolves to { ok, status, body }. Same origin: the session cookie goes along. */
async function edge(path, init = {}) {
  const res = await fetch(`${EDGE}${path}`, { credentials: 'include', ...init });
  let body;
  try {
    body = await res.json();
  } catch {
    body = {};
  }
  return { ok: res.ok, status: res.status, body };
}

// One userinfo or refresh call at a time: NHS login rotates refresh tokens, and two refreshes at
// once would present the same one twice (a reused refresh token may end the session).
let busy = false;
function oneAtATime(fn) {
  return async () => {
    if (busy) return;
    busy = true;
    const buttons = [...document.querySelectorAll('#get-userinfo, #refresh')];
    for (const b of buttons) b.disabled = true;
    try {
      await fn();
    } finally {
      busy = false;
      for (const b of buttons) b.disabled = false;
    }
  };
}

function output(id, content) {
  document.getElementById(id).innerHTML = String(content);
}

/** An NhsLoginError (or an edge answer as { status, error, message }) in one sentence, for developers. */
function problem(e) {
  const where = [e.status && `HTTP ${e.status}`, e.error].filter(Boolean).join(', ');
  const again = e.error === 'login_required' || e.error === 'invalid_grant' ? ' Sign in again.' : '';
  return `${where ? `${where}: ` : ''}${e.message ?? 'no answer'}${again}`;
}

function failure(id, what, e) {
  output(id, html`<div class="nhsuk-error-message" data-testid="${id}-error" id="${id}-error"><span class="nhsuk-u-visually-hidden">Error: </span>${what} failed: ${problem(e)}</div>`);
}

// NhsLogin.userinfo(): GET /auth/userinfo with the access token it keeps in memory; on a 401
// (expired, 5 minutes at NHS login) it refreshes once through /auth/refresh and tries again.
async function getUserinfo() {
  if (!session) return;
  const s = session;
  let info;
  try {
    info = await login.userinfo();
  } catch (e) {
    return failure('userinfo-output', 'Userinfo', e);
  }
  if (session !== s) return; // signed out meanwhile
  s.userinfo = info;
  s.userinfoError = null;
  output(
    'userinfo-output',
    html`<h3 class="nhsuk-heading-s">Userinfo</h3><pre class="demo-json" id="userinfo-result" data-testid="userinfo-result">${JSON.stringify(redactNhsNumber(info), null, 2)}</pre>`,
  );
}

// NhsLogin.refresh(): POST /auth/refresh (the refresh token is in the edge's HttpOnly cookie).
async function refresh() {
  if (!session) return;
  const s = session;
  let t;
  try {
    t = await login.refresh();
  } catch (e) {
    return failure('refresh-output', 'Refresh', e);
  }
  if (session !== s) return;
  s.refreshedAt = Date.now();
  const shown = { ...t, accessToken: `${t.accessToken.slice(0, 8)}… (${t.accessToken.length} characters)` };
  output(
    'refresh-output',
    html`<p id="refresh-result" data-testid="refresh-result">New access token issued at ${formatTime(Math.floor(s.refreshedAt / 1000))}. It lasts ${minutes(t.expiresIn ?? 0)}.</p>
      <pre class="demo-json">${JSON.stringify(shown, null, 2)}</pre>`,
  );
}

// NhsLogin.settingsLink(): the settings page with a one-time asserted_login_identity minted by the
// edge (it lives 60 seconds, so it is made when the link is chosen): no second sign-in.
async function openSettings(ev) {
  ev.preventDefault();
  if (!session) return;
  try {
    location.assign(await login.settingsLink());
  } catch (e) {
    failure('settings-output', 'Opening your NHS login settings', e);
  }
}

// NhsLogin.stepUp(): a new authorization request with the P9 vectors and an asserted_login_identity,
// so NHS login asks the patient to prove who they are, not for their password.
async function stepUp() {
  if (!session) return;
  try {
    await login.stepUp(LEVELS.P9.vtr, { scope: authOptions(loadSettings()).scope });
  } catch (e) {
    failure('step-up-output', 'Proving who you are', e);
  }
}

// NhsLogin.setClientUserMetadata(): PATCH /auth/userinfo (EIS §3.6.3), then userinfo to show the value.
async function saveMetadata(ev) {
  ev.preventDefault();
  if (!session) return;
  const s = session;
  const value = new FormData(ev.currentTarget).get('metadata') ?? '';
  try {
    await login.setClientUserMetadata(String(value));
    s.userinfo = await login.userinfo();
  } catch (e) {
    return failure('metadata-output', 'Saving the reference', e);
  }
  if (session !== s) return;
  document.getElementById('client-user-metadata').textContent = s.userinfo.client_user_metadata ?? 'None';
  output('metadata-output', html`<p id="metadata-result" data-testid="metadata-result">Saved. NHS login answered 204 No Content.</p>`);
}

async function trySso() {
  if (!session) return;
  const r = await edge('/sso-assertion', { method: 'POST' });
  if (!r.ok) return failure('userinfo-output', 'Single sign-on', { status: r.status, error: r.body.error, message: r.body.error_description });
  endSession();
  go(`/?assertedLoginIdentity=${encodeURIComponent(r.body.asserted_login_identity)}`);
}

// ---- errors -----------------------------------------------------------------

function showError(e) {
  endSession();
  const p = describeError(e, SERVICE, { nhsApp: fromNhsApp() });
  const details = technicalDetails(e);
  render(
    'error',
    `Error: ${p.title}`,
    html`
      <div class="nhsuk-error-summary" data-module="nhsuk-error-summary" data-testid="error-page" data-error-kind="${p.kind}" id="error-page">
        <div role="alert">
          <h2 class="nhsuk-error-summary__heading">There is a problem</h2>
          <div class="nhsuk-error-summary__body">
            <p>${p.body[0]}</p>
          </div>
        </div>
      </div>
      <h1 id="error-title" data-testid="error-title">${p.title}</h1>
      ${p.body.slice(1).map((t) => html`<p>${t}</p>`)}
      ${p.next ? html`<div class="nhsuk-inset-text" id="error-next"><span class="nhsuk-u-visually-hidden">Information: </span><p>${p.next}</p></div>` : ''}
      ${p.startAgain ? html`<a class="nhsuk-button" data-module="nhsuk-button" href="/" role="button" draggable="false" id="start-again" data-testid="start-again">${p.startAgain}</a>` : ''}
      ${p.backToNhsApp ? html`<p><a href="${config.nhsAppUrl}" id="back-to-nhs-app" data-testid="back-to-nhs-app">Go back to the NHS App</a></p>` : ''}
      <details class="nhsuk-details">
        <summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">Technical details</span></summary>
        <div class="nhsuk-details__text"><pre class="demo-json" id="error-details" data-testid="error-details">${JSON.stringify(details, null, 2)}</pre></div>
      </details>
    `,
    { focus: false }, // the error summary takes focus itself
  );
}

function showNotFound() {
  render(
    'not-found',
    'Page not found',
    html`<h1 tabindex="-1">Page not found</h1><p>If you typed the web address, check it is correct.</p><p><a href="/">Go to the start page</a></p>`,
  );
}

// ---- start ------------------------------------------------------------------

// Same-origin links stay in the app, so the in-memory session survives them.
document.addEventListener('click', (ev) => {
  const a = ev.target.closest?.('a[href]');
  if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.hash) return;
  ev.preventDefault();
  go(url.pathname + url.search);
});
window.addEventListener('popstate', route);

document.body.classList.add('js-enabled', 'nhsuk-frontend-supported');
initAll(document.querySelector('header'));
// For end-to-end tests and the curious: sign in with any option (e.g. prompt: 'none').
window.__demo = { signIn: (overrides) => login.signIn({ ...authOptions(loadSettings()), ...overrides }) };
route();
