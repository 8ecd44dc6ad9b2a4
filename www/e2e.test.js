// End-to-end tests of the demo in real headless Chromium (Debian's, driven by
// playwright-core): the whole demo (SPA, local NHS-login-like provider, edge
// handler in workerd) is started in-process with startDemo(), and each test
// asserts on what a person would see. A screenshot of every page is saved
// under target/demo-screenshots/ on every run.
//
//   node --test www/e2e.test.js
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { deadPort } from '../pkg/test/upstream.js';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startDemo } from './serve.mjs';
import { patientList } from '../tests/provider/patients.mjs';

const SHOTS = fileURLToPath(new URL('../target/demo-screenshots/', import.meta.url));
let demo, downDemo, upliftDemo, shortTokenDemo, journeyDemo, browser;
const contexts = [];

before(async () => {
  await mkdir(SHOTS, { recursive: true });
  demo = await startDemo({ port: 0, providerPort: 0, quiet: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await demo?.close();
  await downDemo?.close();
  await upliftDemo?.close();
  await shortTokenDemo?.close();
  await journeyDemo?.close();
});

/** A fresh browser (no cookies, no sessionStorage) with checks on what the page does. */
async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1024, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  page.problems = [];
  page.callbacks = []; // every /callback URL the browser was sent to, as sent
  page.interactions = 0; // provider login/consent pages shown
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    const u = new URL(r.url());
    // Everything is served locally: no CDN, no web fonts.
    if (u.hostname !== '127.0.0.1') page.problems.push(`outside request: ${r.url()}`);
    if (r.isNavigationRequest() && u.pathname === '/callback') page.callbacks.push(r.url());
    if (r.isNavigationRequest() && u.pathname.startsWith('/interaction/') && r.method() === 'GET') page.interactions++;
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) page.problems.push(`console error: ${m.text()}`);
  });
  return page;
}

const ready = (page) => page.waitForFunction(() => window.__demoReady === true, null, { timeout: 15000 });
const shot = async (page, name) => {
  await page.evaluate(() => document.activeElement?.blur()); // no focus ring on the last button pressed
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
};
const text = async (page, selector) => (await page.locator(selector).innerText()).trim();
// Inside the closed "Technical details" expander: not rendered, so textContent.
const details = async (page) => page.locator('#error-details').textContent();
const noProblems = (page) => assert.deepEqual(page.problems, []);

async function openStart(page, base = demo.url, query = '') {
  await page.goto(`${base}/${query}`);
  await ready(page);
}

const LEVEL_LABEL = { P9: 'High (P9)', P5: 'Medium (P5)', P0: 'Low (P0)' };

/** Start page → NHS login button → the provider's login page. */
async function continueToNhsLogin(page, { level = 'P9', scopes } = {}) {
  await page.getByLabel(LEVEL_LABEL[level], { exact: true }).check();
  if (scopes) {
    for (const box of await page.locator('input[name="scope"]').all()) {
      await box.setChecked(scopes.includes(await box.getAttribute('value')));
    }
  }
  await page.getByRole('button', { name: 'Continue to NHS login' }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/interaction/'));
}

/** Clicks a form's button and waits for the page the answer leads to (through any redirects). */
async function submit(page, name) {
  const navigated = page.waitForEvent('framenavigated', (f) => f === page.mainFrame());
  await page.getByRole('button', { name }).click();
  await navigated;
  await page.waitForLoadState();
}

const UPLIFT_HEADING = 'Prove who you are to continue';

/**
 * NHS login testing scenarios: "the correct scopes are presented on consent screen". The provider's
 * consent page lists each scope asked for (with its code); `scopes` are the demo's, after openid.
 */
async function assertConsentScopes(page, scopes) {
  assert.match(await text(page, 'h1'), /^Share your NHS login information with /);
  const listed = await page.locator('main li code').allInnerTexts();
  assert.deepEqual(listed, ['openid', ...scopes]);
}

/**
 * The provider's pages: pick the patient; the uplift page (only with `uplift: true`, and then it
 * must be shown); then consent (when asked) with allow or deny.
 */
async function atProvider(page, { patient = 'P9', consent = 'allow', uplift = false, onUplift, beforeCallback } = {}) {
  await page.getByLabel(`Sign in as ${patient} patient`).check();
  // The uplift page has the login page's address, so wait for the navigation, not a new URL.
  await submit(page, 'Continue');
  const atUplift = new URL(page.url()).pathname.startsWith('/interaction/') && (await page.getByRole('heading', { name: UPLIFT_HEADING }).count()) > 0;
  assert.equal(atUplift, uplift, uplift ? 'the provider asked the patient to prove who they are' : 'no uplift page');
  if (atUplift) {
    if (onUplift) await onUplift();
    await submit(page, 'Continue');
  }
  if (new URL(page.url()).pathname !== '/callback') {
    if (beforeCallback) await beforeCallback();
    const button = consent === 'allow' ? 'Continue' : 'I do not want to use my NHS login';
    await page.getByRole('button', { name: button }).click();
    await page.waitForURL((u) => u.pathname === '/callback');
  }
  await ready(page);
}

async function signIn(page, { level = 'P9', patient = level, scopes, base, uplift } = {}) {
  await openStart(page, base);
  await continueToNhsLogin(page, { level, scopes });
  await atProvider(page, { patient, uplift });
}

// NHS login: "The user must not be given or presented with the NHS number which has been traced
// by NHS login" (DOCS scopes-and-claims, note 1). The demo only says that one was received.
const NHS_NUMBER_RECEIVED = 'Received (not shown, as NHS login requires)';
const NHS_NUMBER_REDACTED = '•••• (received)';

/** No test patient's NHS number, in any usual spacing, in the page's text or its HTML. */
async function assertNoNhsNumber(page) {
  const { visible, all, markup } = await page.evaluate(() => ({
    visible: document.body.innerText,
    all: document.body.textContent, // also closed expanders and hidden text
    markup: document.documentElement.outerHTML, // also attributes
  }));
  for (const { nhsNumber } of patientList) {
    const [a, b, c] = [nhsNumber.slice(0, 3), nhsNumber.slice(3, 6), nhsNumber.slice(6)];
    const anyForm = new RegExp(`${a}[\\s-]*${b}[\\s-]*${c}`);
    assert.ok(!visible.includes(nhsNumber) && !visible.includes(`${a} ${b} ${c}`), `NHS number ${nhsNumber} shown on the page`);
    assert.doesNotMatch(all, anyForm, `NHS number ${nhsNumber} in the page text`);
    assert.doesNotMatch(markup, anyForm, `NHS number ${nhsNumber} in the page's HTML`);
  }
}

/** A detail on the account page with its caption, and where it came from (`data-source`). */
async function claim(page, id) {
  const row = page.getByTestId(`claim-${id}`);
  return {
    value: await text(page, `#claim-${id}`),
    source: await row.getAttribute('data-source'),
    caption: (await page.locator(`#claim-${id}-source`).count()) ? await text(page, `#claim-${id}-source`) : null,
  };
}

async function expectError(page, kind, heading, { nhsApp = false } = {}) {
  assert.equal(await page.evaluate(() => document.body.dataset.page), 'error');
  assert.equal(await page.getByTestId('error-page').getAttribute('data-error-kind'), kind);
  assert.equal(await text(page, 'h1'), heading);
  if (nhsApp) {
    // From the NHS App: the way back to it, never an interactive sign-in inside it (APPDOCS).
    assert.equal(await page.getByTestId('start-again').count(), 0);
    assert.equal((await page.getByTestId('back-to-nhs-app').innerText()).trim(), 'Go back to the NHS App');
    assert.match(await page.getByTestId('back-to-nhs-app').getAttribute('href'), /\/nhs-app\?service=/);
  } else {
    assert.equal((await page.getByTestId('start-again').innerText()).trim(), 'Start again');
    assert.equal(await page.getByTestId('start-again').getAttribute('href'), '/');
  }
  assert.match(await page.title(), /^Error: /);
}

const ALL_SCOPES = ['profile', 'profile_extended', 'email', 'phone', 'gp_registration_details'];

test('start page: an NHS.UK service page, with every asset served locally', async () => {
  const page = await newPage();
  await openStart(page);
  await shot(page, '01-start');
  assert.equal(await text(page, '.nhsuk-header__service-name'), 'NHS login demo service');
  assert.equal(await text(page, 'h1'), 'Use NHS login to access this service');
  for (const label of Object.values(LEVEL_LABEL)) assert.ok(await page.getByLabel(label, { exact: true }).isVisible(), label);
  assert.ok(await page.getByLabel('High (P9)').isChecked(), 'P9 is the default, as NHS login assumes');
  for (const s of ALL_SCOPES) assert.ok(await page.locator(`#scope-${s}`).count(), s);
  const button = page.getByTestId('nhs-login-button');
  assert.equal((await button.innerText()).trim(), 'Continue to NHS login');
  // NHS.UK frontend's CSS is applied: NHS blue header and NHS login button, Arial in place of Frutiger.
  const style = await page.evaluate(() => {
    const cs = (s) => getComputedStyle(document.querySelector(s));
    const b = document.querySelector('#nhs-login-button');
    return {
      header: cs('.nhsuk-header').backgroundColor,
      button: cs('#nhs-login-button').backgroundColor,
      buttonText: cs('#nhs-login-button').color,
      shadow: cs('#nhs-login-button').boxShadow,
      logosInButton: b.querySelectorAll('svg, img').length,
      logosOnPage: document.querySelectorAll('svg[aria-label="NHS"], img[alt="NHS"]').length,
      font: cs('body').fontFamily,
    };
  });
  assert.equal(style.header, 'rgb(0, 94, 184)');
  // NHS login's button guidance (NHS Design System services): NHS blue, white text, its dark blue shadow,
  // and no NHS logo on the button: there is one NHS logo on a screen, in the header.
  assert.equal(style.button, 'rgb(0, 94, 184)');
  assert.equal(style.buttonText, 'rgb(255, 255, 255)');
  assert.match(style.shadow, /rgb\(0, 48, 135\)/);
  assert.equal(style.logosInButton, 0);
  assert.equal(style.logosOnPage, 1);
  // The content NHS login suggests around the button.
  const intro = await text(page, '#app');
  assert.match(intro, /NHS login allows you to access your health and care websites and apps with one set of login details\./);
  assert.match(intro, /We will check if you have an NHS login\. If not, you can set one up\./);
  assert.match(style.font, /arial/i);
  noProblems(page);
});

test('consent refused: NHS login no-consent page', async () => {
  const page = await newPage();
  await openStart(page);
  await continueToNhsLogin(page, { level: 'P9', scopes: ALL_SCOPES });
  await atProvider(page, { patient: 'P9', consent: 'deny' });
  await shot(page, '02-error-consent-not-given');
  await expectError(page, 'consent-not-given', 'You have not shared your NHS login information');
  const body = await text(page, '#app');
  assert.match(body, /You chose not to share your NHS login information with NHS login demo service\./);
  assert.match(body, /has not been passed to NHS login demo service/);
  assert.match(await details(page), /"error": "access_denied"[\s\S]*"errorDescription": "ConsentNotGiven"/);
  assert.doesNotMatch(page.url(), /error=|state=/, 'response parameters removed from the address bar');
  // Start again goes back to the start page.
  await page.getByTestId('start-again').click();
  await ready(page);
  assert.equal(await text(page, 'h1'), 'Use NHS login to access this service');
  noProblems(page);

  // NHS login testing scenarios: the same for a P5 and a P0 service (patients at those levels).
  for (const level of ['P5', 'P0']) {
    const other = await newPage();
    await openStart(other);
    await continueToNhsLogin(other, { level, scopes: ['email'] });
    await atProvider(other, { patient: level, consent: 'deny', beforeCallback: () => assertConsentScopes(other, ['email']) });
    await expectError(other, 'consent-not-given', 'You have not shared your NHS login information');
    assert.match(await text(other, '#app'), /You chose not to share your NHS login information with NHS login demo service\./, level);
    noProblems(other);
  }
});

test('P9: sign in, claims, userinfo, refresh; the callback URL cannot be replayed', async () => {
  const page = await newPage();
  await openStart(page);
  await continueToNhsLogin(page, { level: 'P9', scopes: ALL_SCOPES });
  await shot(page, '03-provider-login');
  await atProvider(page, {
    patient: 'P9',
    beforeCallback: () => shot(page, '04-provider-consent'),
  });
  assert.equal(await page.evaluate(() => document.body.dataset.page), 'account');
  assert.equal(new URL(page.url()).search, '', 'code and state removed from the address bar');
  assert.equal(await text(page, '#claim-name'), 'Alice Pennington');
  assert.equal(await text(page, '#claim-nhs-number'), NHS_NUMBER_RECEIVED);
  assert.equal(await text(page, '#claim-birthdate'), '17 March 1984');
  assert.equal(await text(page, '#claim-identity-level'), 'High (P9)');
  assert.equal(await text(page, '#claim-vot'), 'P9.Cp.Cd');
  assert.equal(await text(page, '#claim-gp'), 'A20047');
  assert.match(await text(page, '#claim-email'), /@example\.org/);
  // Identity from the ID token; first name, email, phone and GP from userinfo, and labelled so.
  assert.deepEqual(await claim(page, 'name'), { value: 'Alice Pennington', source: 'userinfo id-token', caption: 'First name from userinfo, surname from the ID token' });
  assert.deepEqual(await claim(page, 'birthdate'), { value: '17 March 1984', source: 'id-token', caption: 'From the ID token' });
  assert.deepEqual(await claim(page, 'vot'), { value: 'P9.Cp.Cd', source: 'id-token', caption: 'From the ID token' });
  assert.deepEqual(await claim(page, 'email'), { value: 'alice.pennington@example.org (verified)', source: 'userinfo', caption: 'From userinfo' });
  assert.deepEqual(await claim(page, 'phone'), { value: '+447700900101 (verified)', source: 'userinfo', caption: 'From userinfo' });
  assert.deepEqual(await claim(page, 'gp'), { value: 'A20047', source: 'userinfo', caption: 'From userinfo' });
  // Both session timers count down.
  const idle = await text(page, '#idle-remaining');
  const max = await text(page, '#max-remaining');
  assert.match(idle, /^(30:00|29:[0-5]\d)$/);
  assert.match(max, /^(12:00:00|11:59:[0-5]\d)$/);
  await page.waitForFunction((m) => document.getElementById('max-remaining').textContent !== m, max, { timeout: 5000 });
  // The decoded ID token.
  const header = JSON.parse(await text(page, '#id-token-header'));
  const payload = JSON.parse(await text(page, '#id-token-payload'));
  assert.equal(header.alg, 'RS512');
  assert.equal(payload.nhs_number, NHS_NUMBER_REDACTED);
  assert.equal(payload.aud, 'demo-client');
  // As NHS login does, the ID token holds no email, first name, phone or GP: those came from userinfo.
  for (const c of ['email', 'given_name', 'phone_number', 'gp_registration_details']) assert.equal(payload[c], undefined, c);
  // Userinfo through the edge (access token + session cookie).
  await page.getByTestId('get-userinfo').click();
  const info = JSON.parse(await page.getByTestId('userinfo-result').innerText());
  assert.equal(info.sub, payload.sub);
  assert.equal(info.nhs_number, NHS_NUMBER_REDACTED);
  assert.equal(info.email, 'alice.pennington@example.org');
  assert.equal(info.email_verified, true);
  // Refresh through the edge (the refresh token is in the HttpOnly cookie).
  await page.getByTestId('refresh').click();
  assert.match(await page.getByTestId('refresh-result').innerText(), /^New access token issued at .+\. It lasts 5 minutes\.$/);
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === '__Host-nhs-login');
  assert.ok(session && session.httpOnly && session.secure && session.sameSite === 'Strict', 'encrypted session cookie set by the edge');
  await shot(page, '05-claims');
  noProblems(page);

  // A reload of the account page restores the signed-in state from the edge
  // session (NhsLogin.resume(): GET /auth/session, then /auth/refresh) …
  assert.equal(page.callbacks.length, 1);
  await page.reload();
  await ready(page);
  assert.equal(await page.evaluate(() => document.body.dataset.page), 'account');
  assert.match(await page.getByTestId('resumed').innerText(), /Restored after a reload/);
  assert.equal(await text(page, '#claim-vot'), 'P9.Cp.Cd');
  assert.match(await text(page, '#claim-email'), /alice\.pennington@example\.org/);
  assert.ok(!(await page.evaluate(() => document.body.innerText)).includes('9990000018'), 'still no NHS number');
  // … but the redirect back from NHS login works once: the full callback URL
  // again (code and state as NHS login sent them) is refused.
  await page.goto(page.callbacks[0]);
  await ready(page);
  await shot(page, '06-error-link-used');
  await expectError(page, 'link-used', 'This sign-in link has already been used or has expired');
  assert.equal(new URL(page.url()).search, '', 'the replayed code and state are removed from the address bar');
  noProblems(page);
});

test('P5: medium identity level', async () => {
  const page = await newPage();
  await signIn(page, { level: 'P5', scopes: ['profile', 'profile_extended'] });
  await shot(page, '07-claims-p5');
  assert.equal(await text(page, '#claim-name'), 'Bilal Okafor');
  assert.equal((await claim(page, 'name')).caption, 'First name from userinfo, surname from the ID token');
  assert.equal(await text(page, '#claim-nhs-number'), NHS_NUMBER_RECEIVED);
  assert.equal(await text(page, '#claim-birthdate'), '5 November 1992');
  assert.equal(await text(page, '#claim-identity-level'), 'Medium (P5)');
  assert.equal(await text(page, '#claim-vot'), 'P5.Cp.Cd');
  assert.equal(await text(page, '#claim-email'), 'Not shared');
  assert.equal((await claim(page, 'email')).caption, null);
  await assertNoNhsNumber(page);
  noProblems(page);
});

test('P0: low identity level, no NHS number released', async () => {
  const page = await newPage();
  await signIn(page, { level: 'P0', scopes: ['profile', 'email'] });
  await shot(page, '08-claims-p0');
  assert.equal(await text(page, '#claim-vot'), 'P0.Cp');
  assert.equal(await text(page, '#claim-identity-level'), 'Low (P0)');
  assert.equal(await text(page, '#claim-nhs-number'), 'Not shared');
  assert.equal(await text(page, '#claim-birthdate'), 'Not shared');
  assert.match(await text(page, '#claim-email'), /@example\.org/);
  assert.deepEqual(await claim(page, 'email'), { value: 'chloe.duarte@example.org (verified)', source: 'userinfo', caption: 'From userinfo' });
  noProblems(page);
});

test('NHS number: never shown, in the details, the decoded ID token or userinfo; only that it was received', async () => {
  const page = await newPage();
  await signIn(page, { level: 'P9', scopes: ALL_SCOPES });
  assert.equal(await text(page, '#claim-nhs-number'), NHS_NUMBER_RECEIVED);
  assert.deepEqual(await claim(page, 'nhs-number'), { value: NHS_NUMBER_RECEIVED, source: 'id-token', caption: 'From the ID token' });
  assert.match(await text(page, '#id-token-payload'), /"nhs_number": "•••• \(received\)"/);
  await page.getByTestId('get-userinfo').click();
  assert.match(await page.getByTestId('userinfo-result').innerText(), /"nhs_number": "•••• \(received\)"/);
  await shot(page, '16-claims-nhs-number-not-shown');
  // Neither 9990000018 nor 999 000 0018 (nor another patient's) anywhere, visible or not.
  const body = await page.evaluate(() => document.body.innerText);
  assert.ok(!body.includes('9990000018') && !body.includes('999 000 0018'));
  assert.match(body, /received/);
  await assertNoNhsNumber(page);
  noProblems(page);
});

test('P9 patient in a P5 service: signed in with a P5 vot, identity level P9', async () => {
  const page = await newPage();
  await signIn(page, { level: 'P5', patient: 'P9', scopes: ['profile', 'email'] });
  await shot(page, '17-claims-p9-in-p5-service');
  assert.equal(await text(page, '#claim-vot'), 'P5.Cp.Cd');
  assert.equal(await text(page, '#claim-identity-level'), 'High (P9)');
  assert.equal(await text(page, '#claim-name'), 'Pennington', 'no profile_extended: surname only');
  assert.equal((await claim(page, 'email')).value, 'alice.pennington@example.org (verified)');
  const payload = JSON.parse(await text(page, '#id-token-payload'));
  assert.equal(payload.vot, 'P5.Cp.Cd');
  assert.equal(payload.identity_proofing_level, 'P9');
  await assertNoNhsNumber(page);
  noProblems(page);
});

test('uplift: a P0 patient signing in to a P9 service proves who they are, and comes back at P9', async () => {
  // Its own demo: an uplift raises the patient for the rest of that provider's life.
  upliftDemo = await startDemo({ port: 0, providerPort: 0, quiet: true, build: false });
  const page = await newPage();
  await openStart(page, upliftDemo.url);
  await continueToNhsLogin(page, { level: 'P9', scopes: ALL_SCOPES });
  await atProvider(page, {
    patient: 'P0',
    uplift: true,
    onUplift: async () => {
      await shot(page, '18-provider-uplift');
      assert.equal(await text(page, 'h1'), 'Prove who you are to continue');
    },
  });
  await shot(page, '19-claims-uplifted');
  assert.equal(await page.evaluate(() => document.body.dataset.page), 'account');
  assert.equal(await text(page, '#claim-vot'), 'P9.Cp.Cd');
  assert.equal(await text(page, '#claim-identity-level'), 'High (P9)');
  assert.equal(await text(page, '#claim-name'), 'Chloe Duarte');
  assert.equal(await text(page, '#claim-nhs-number'), NHS_NUMBER_RECEIVED, 'now released, and still not shown');
  assert.equal((await claim(page, 'email')).value, 'chloe.duarte@example.org (verified)');
  assert.equal(JSON.parse(await text(page, '#id-token-payload')).vot, 'P9.Cp.Cd');
  await assertNoNhsNumber(page);
  noProblems(page);
});

test('expired access token: Get userinfo refreshes it once through the edge and tries again', async () => {
  // Its own demo, whose provider issues access tokens that last 2 seconds (NHS login: 5 minutes).
  shortTokenDemo = await startDemo({ port: 0, providerPort: 0, quiet: true, build: false, accessTokenTtl: 2 });
  const page = await newPage();
  await signIn(page, { level: 'P9', scopes: ['profile', 'email'], base: shortTokenDemo.url });
  assert.equal((await claim(page, 'email')).value, 'alice.pennington@example.org (verified)', 'userinfo worked at sign-in');
  assert.match(await text(page, '#app'), /The access token lasts 2 seconds\./);
  const sub = await text(page, '#claim-sub');

  await page.waitForTimeout(3500); // past the access token's expiry
  const calls = [];
  page.on('response', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/auth/')) calls.push(`${r.request().method()} ${u.pathname} ${r.status()}`);
  });
  await page.getByTestId('get-userinfo').click();
  const info = JSON.parse(await page.getByTestId('userinfo-result').innerText());
  await shot(page, '20-userinfo-after-expiry');
  assert.equal(info.sub, sub);
  assert.equal(info.sub, '91c06923-0585-434a-b649-ab72f37972c9');
  assert.equal(info.email, 'alice.pennington@example.org');
  assert.equal(await page.getByTestId('userinfo-output-error').count(), 0);
  // The library saw the 401, refreshed once and retried.
  assert.deepEqual(calls, ['GET /auth/userinfo 401', 'POST /auth/refresh 200', 'GET /auth/userinfo 200']);
  noProblems(page);
});

test('userinfo unavailable: the ID token\'s details are still shown, with a short error', async () => {
  const page = await newPage();
  await page.route(
    (u) => u.pathname === '/auth/userinfo',
    (route) => route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: 'temporarily_unavailable', error_description: 'NHS login is not available' }) }),
  );
  await signIn(page, { level: 'P9', scopes: ALL_SCOPES });
  await shot(page, '21-claims-userinfo-unavailable');
  assert.equal(await page.evaluate(() => document.body.dataset.page), 'account');
  assert.match(await page.getByTestId('userinfo-unavailable').innerText(), /Some of your details could not be fetched[\s\S]*HTTP 503, temporarily_unavailable: NHS login is not available/);
  assert.deepEqual(await claim(page, 'name'), { value: 'Pennington', source: 'id-token', caption: 'From the ID token' });
  assert.equal(await text(page, '#claim-birthdate'), '17 March 1984');
  assert.equal(await text(page, '#claim-vot'), 'P9.Cp.Cd');
  assert.equal(await text(page, '#claim-nhs-number'), NHS_NUMBER_RECEIVED);
  assert.equal(await text(page, '#claim-email'), 'Could not be fetched');
  assert.equal(await text(page, '#claim-gp'), 'Could not be fetched');
  await assertNoNhsNumber(page);
  noProblems(page);
});

test('tampered state on the redirect: the sign-in link page', async () => {
  const page = await newPage();
  await openStart(page);
  // An attacker swaps `state` in the request to NHS login: it comes back unknown to this browser.
  await page.route(
    (u) => u.pathname === '/authorize',
    (route) => {
      const u = new URL(route.request().url());
      u.searchParams.set('state', 'tampered-state-value-that-this-browser-never-stored');
      return route.continue({ url: u.href });
    },
  );
  await continueToNhsLogin(page, { level: 'P9' });
  await atProvider(page, { patient: 'P9' });
  await shot(page, '09-error-tampered-state');
  await expectError(page, 'link-used', 'This sign-in link has already been used or has expired');
  assert.match(await details(page), /"code": "state_mismatch"/);
  noProblems(page);
});

test('sign-in took longer than 10 minutes: transaction expired page', async () => {
  const page = await newPage();
  await openStart(page);
  await continueToNhsLogin(page, { level: 'P9' });
  // Age the stored transaction by 11 minutes before the SPA reads it back.
  await page.addInitScript(() => {
    for (let i = 0; i < sessionStorage.length; i++) {
      const k = sessionStorage.key(i);
      if (!k.startsWith('nhs-login:tx:')) continue;
      const tx = JSON.parse(sessionStorage.getItem(k));
      tx.t -= 11 * 60 * 1000;
      sessionStorage.setItem(k, JSON.stringify(tx));
    }
  });
  await atProvider(page, { patient: 'P9' });
  await shot(page, '10-error-transaction-expired');
  await expectError(page, 'transaction-expired', 'You took too long to sign in');
  noProblems(page);
});

test('NHS App jump-off: ?assertedLoginIdentity signs in silently; a bad one sends the user back to the NHS App', async () => {
  const page = await newPage();
  await signIn(page, { level: 'P9' });
  // The sign-in showed a login page (and a consent page when this test runs alone).
  const interactive = page.interactions;
  assert.ok(interactive >= 1);
  // The edge makes a one-time assertion from this session; the SPA opens /?assertedLoginIdentity=…
  await page.getByTestId('try-sso').click();
  await page.waitForURL((u) => u.pathname === '/callback');
  await ready(page);
  assert.equal(page.interactions, interactive, 'no NHS login page was shown for the jump-off');
  assert.equal(await text(page, '#claim-nhs-number'), NHS_NUMBER_RECEIVED);
  noProblems(page);

  // A jump-off whose assertion NHS login refuses (here: not signed by the client).
  const other = await newPage();
  const bogus = 'eyJhbGciOiJSUzUxMiJ9.eyJpc3MiOiJkZW1vLWNsaWVudCJ9.c2lnbmF0dXJl';
  await other.goto(`${demo.url}/?assertedLoginIdentity=${bogus}`);
  await other.waitForURL((u) => u.pathname === '/callback');
  await ready(other);
  await shot(other, '11-error-sso');
  await expectError(other, 'sso-login-required', 'You need to sign in again', { nhsApp: true });
  assert.match(await text(other, '#error-next'), /Go back to the NHS App and sign in again/);
  assert.equal(other.interactions, 0, 'never an interactive sign-in for a jump-off');
  noProblems(other);

  // prompt=none without any NHS login session: sso_login_required.
  const third = await newPage();
  await openStart(third);
  await third.evaluate(() => window.__demo.signIn({ prompt: 'none' }));
  await third.waitForURL((u) => u.pathname === '/callback');
  await ready(third);
  await expectError(third, 'sso-login-required', 'You need to sign in again');
  assert.match(await details(third), /"error": "sso_login_required"/);
  noProblems(third);
});

test('a device clock hours off does not lock the patient out: the edge\'s clock is used, the page says so, the 12 hours count from the real sign-in', async () => {
  for (const hours of [3, -3]) {
    const page = await newPage();
    // The page's clock only (Date and timers in the page); the edge and the provider keep the real time.
    await page.clock.install({ time: Date.now() + hours * 3600_000 });
    await signIn(page, { level: 'P9' });
    // Without the correction the ID token would be token_expired (+3 h) or token_issued_in_future (−3 h).
    assert.equal(await page.evaluate(() => document.body.dataset.page), 'account', `device clock ${hours} h off`);
    assert.equal(await text(page, '#claim-vot'), 'P9.Cp.Cd');
    assert.match(await text(page, '#clock-warning'), new RegExp(`Your device's clock is about 3 hours ${hours > 0 ? 'ahead' : 'behind'}`));
    // The 12-hour rule counts from the sign-in on NHS login's clock: about 12 hours are left, not 9 or 15.
    const left = (await text(page, '#max-remaining')).split(':').map(Number);
    const seconds = left.length === 3 ? left[0] * 3600 + left[1] * 60 + left[2] : NaN;
    assert.ok(seconds > 11.9 * 3600 && seconds <= 12 * 3600, `12-hour timer shows ${left.join(':')}`);
    noProblems(page);
  }
  // A right clock: no warning.
  const right = await newPage();
  await signIn(right, { level: 'P9' });
  assert.equal(await right.locator('#clock-warning').count(), 0);
});

test('session rules: signed out after 30 minutes idle, and 12 hours after sign-in', async () => {
  const page = await newPage();
  await signIn(page, { level: 'P9' });
  const signOuts = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname === '/auth/sign-out') signOuts.push(`${r.request().method()} ${r.status()}`);
  });
  await page.clock.install();
  await page.clock.fastForward('30:01');
  await page.waitForFunction(() => document.body.dataset.page === 'start' && window.__demoReady === true);
  await shot(page, '12-start-timed-out-idle');
  assert.match(await page.getByTestId('timed-out').innerText(), /You were signed out because you had not done anything for 30 minutes/);
  assert.equal(new URL(page.url()).pathname, '/');
  // The edge session ended with it, and the next sign-in is a real re-authentication (prompt=login).
  for (let i = 0; i < 50 && !signOuts.length; i++) await page.waitForTimeout(100);
  assert.deepEqual(signOuts, ['POST 204']);
  const authorize = page.waitForRequest((r) => new URL(r.url()).searchParams.has('client_id'));
  await page.getByRole('button', { name: 'Continue to NHS login' }).click();
  assert.equal(new URL((await authorize).url()).searchParams.get('prompt'), 'login');
  // NHS login asks again although its own session is still there (prompt=login), and the patient is back.
  await page.waitForURL((u) => u.pathname.startsWith('/interaction/'));
  assert.equal(await text(page, 'h1'), 'Choose a test patient');
  await page.clock.resume();
  await atProvider(page, { patient: 'P9' });
  assert.equal(await page.evaluate(() => document.body.dataset.page), 'account');
  assert.equal(await text(page, '#claim-vot'), 'P9.Cp.Cd');

  const again = await newPage();
  await signIn(again, { level: 'P9' });
  await again.clock.install();
  for (let i = 0; i < 25; i++) {
    // Active every 29 minutes, so only the 12-hour rule can end the session.
    await again.clock.fastForward('29:00');
    await again.keyboard.press('Shift');
    if ((await again.evaluate(() => document.body.dataset.page)) !== 'account') break;
  }
  await again.waitForFunction(() => document.body.dataset.page === 'start' && window.__demoReady === true);
  assert.match(await again.getByTestId('timed-out').innerText(), /You signed in with NHS login 12 hours ago/);
});

test('sign out: back to the start page, details forgotten', async () => {
  const page = await newPage();
  await signIn(page, { level: 'P9' });
  await page.getByTestId('sign-out').click();
  await ready(page);
  assert.equal(await text(page, 'h1'), 'Use NHS login to access this service');
  assert.match(await page.getByTestId('signed-out').innerText(), /You have signed out/);
  await shot(page, '13-start-signed-out');
  // Sign-out ended the edge session too: /callback finds none to resume
  // (GET /auth/session is 401) and goes to the start page, not the details.
  await page.goto(`${demo.url}/callback`);
  await ready(page);
  assert.equal(await text(page, 'h1'), 'Use NHS login to access this service');
  assert.equal(await page.locator('#claim-vot').count(), 0);
  noProblems(page);
});



test('token endpoint down, and a scope the client may not ask for', async () => {
  // A second demo whose edge handler calls a token endpoint nobody answers,
  // and whose client is approved for `openid profile` only.
  downDemo = await startDemo({
    port: 0,
    providerPort: 0,
    quiet: true,
    build: false,
    clientScope: 'openid profile profile_extended',
    edge: { tokenEndpoint: `http://127.0.0.1:${await deadPort()}/token` },
  });
  const page = await newPage();
  await signIn(page, { level: 'P9', scopes: ['profile'], base: downDemo.url });
  await shot(page, '14-error-token-endpoint-down');
  await expectError(page, 'service-unavailable', 'Sorry, NHS login is not available right now');
  assert.match(await details(page), /"code": "token_exchange_failed"[\s\S]*"reason": "nhs_login_unavailable"[\s\S]*"status": 502/);
  noProblems(page);

  const scoped = await newPage();
  await openStart(scoped, downDemo.url);
  await scoped.getByLabel('High (P9)').check();
  await scoped.locator('#scope-gp_registration_details').check();
  await scoped.getByRole('button', { name: 'Continue to NHS login' }).click();
  await scoped.waitForURL((u) => u.pathname === '/callback');
  await ready(scoped);
  await shot(scoped, '15-error-invalid-scope');
  await expectError(scoped, 'invalid-scope', 'Sorry, there is a problem with the service');
  assert.match(await details(scoped), /"error": "invalid_scope"/);
  noProblems(scoped);
});

// ---- issue 12: the journeys NHS login checks before go-live ------------------------------------
// NHS login docs: testing scenarios (P0, P5, P9). tests/CONFORMANCE.md lists each scenario with the
// test that proves it.

/** A demo of its own for the NHS App and step-up journeys (a step-up raises a patient for the provider's life). */
async function theJourneyDemo() {
  journeyDemo ??= await startDemo({ port: 0, providerPort: 0, quiet: true, build: false });
  return journeyDemo;
}

/** On a provider page: it must not be the login page (no second sign-in). */
async function assertNoLoginPage(page) {
  assert.equal(await page.getByRole('heading', { name: 'Choose a test patient' }).count(), 0, 'no login page');
}

test('NHS App entry: the NHS App opens the service, one call signs in silently; refused consent gets the NHS App no-consent screen and a way back', async () => {
  const d = await theJourneyDemo();
  const page = await newPage();
  const authorizes = [];
  page.on('request', (r) => {
    if (r.isNavigationRequest() && new URL(r.url()).pathname === '/authorize') authorizes.push(new URL(r.url()));
  });
  const nhsApp = `${d.provider.endpoints.nhsApp}?service=${encodeURIComponent(`${d.url}/`)}`;
  await page.goto(nhsApp);
  await page.getByLabel('Open as Alice Pennington (P9)').check();
  await page.getByRole('button', { name: 'Open the service' }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/interaction/'));
  // Forwarded as asserted_login_identity with prompt=none; the patient is not asked to sign in.
  const first = authorizes.at(-1);
  assert.equal(first.searchParams.get('prompt'), 'none');
  assert.match(first.searchParams.get('asserted_login_identity'), /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
  await assertNoLoginPage(page);
  // NHS login's consent page (first visit of this patient to this service): refuse.
  await page.getByRole('button', { name: 'I do not want to use my NHS login' }).click();
  await page.waitForURL((u) => u.pathname === '/callback');
  await ready(page);
  await shot(page, '20-error-nhs-app-no-consent');
  await expectError(page, 'nhs-app-no-consent', 'You cannot continue without sharing your information', { nhsApp: true });
  const body = await text(page, '#app');
  assert.match(body, /The service provider needs your NHS login information to match you to your record\./);
  assert.match(body, /Close this tab to go back to NHS App\./);
  noProblems(page);

  // The way back to the NHS App, which opens the service again with a fresh one-time assertion.
  await page.getByTestId('back-to-nhs-app').click();
  await page.waitForURL((u) => u.pathname === '/nhs-app');
  await page.getByRole('button', { name: 'Open the service' }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/interaction/'));
  await assertNoLoginPage(page);
  assert.notEqual(authorizes.at(-1).searchParams.get('asserted_login_identity'), first.searchParams.get('asserted_login_identity'));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((u) => u.pathname === '/callback');
  await ready(page);
  await shot(page, '21-claims-nhs-app-entry');
  assert.equal(await text(page, '#claim-vot'), 'P9.Cp.Cd');
  assert.equal(await text(page, '#signed-in-name'), 'Alice Pennington');
  noProblems(page);

  // The one-time JWT left the address bar and the history: back from NHS login is the plain start page.
  const back = await newPage();
  await back.goto(nhsApp);
  await back.getByRole('button', { name: 'Open the service' }).click();
  await back.waitForURL((u) => u.pathname === '/callback'); // consent was given above: silent all the way
  await ready(back);
  await back.goBack();
  await back.waitForURL((u) => u.origin === d.url && u.pathname === '/');
  assert.equal(new URL(back.url()).search, '', 'no assertedLoginIdentity in the history entry');

  // NHS App user agent: an sso_login_required also offers only the way back (isNhsApp()).
  const context = await browser.newContext({ userAgent: 'Mozilla/5.0 (Linux; Android 14) Chrome/130 Mobile nhsapp-android/2.41.0' });
  contexts.push(context);
  const inApp = await context.newPage();
  await inApp.goto(`${d.url}/`);
  await ready(inApp);
  await inApp.evaluate(() => window.__demo.signIn({ prompt: 'none' }));
  await inApp.waitForURL((u) => u.pathname === '/callback');
  await ready(inApp);
  await expectError(inApp, 'sso-login-required', 'You need to sign in again', { nhsApp: true });
});

test('NHS login testing scenario "Confirm access to NHS login settings page": P0, P5 and P9, no second sign-in', async () => {
  for (const level of ['P0', 'P5', 'P9']) {
    const page = await newPage();
    await signIn(page, { level, patient: level, scopes: ['email'] });
    const shown = page.interactions;
    const settings = page.waitForRequest((r) => r.isNavigationRequest() && new URL(r.url()).pathname === '/settings');
    await page.getByRole('link', { name: 'Manage your NHS login' }).click();
    const link = new URL((await settings).url());
    assert.equal(link.origin, demo.issuer, 'the NHS login settings host');
    assert.match(link.searchParams.get('asserted_login_identity'), /^eyJ/);
    await page.waitForURL((u) => u.pathname === '/settings');
    assert.equal(await text(page, 'h1'), 'Manage your NHS login');
    const name = { P0: 'Chloe Duarte', P5: 'Bilal Okafor', P9: 'Alice Pennington' }[level];
    assert.match(await text(page, '#settings-patient'), new RegExp(`Signed in as ${name} \\(identity proofing level ${level}\\), without signing in again`));
    assert.equal(page.interactions, shown, `${level}: no NHS login page on the way`);
    if (level === 'P9') {
      await shot(page, '22-nhs-login-settings');
      // The link is one-time: opened again, NHS login refuses it.
      const again = await newPage();
      const res = await again.goto(link.href);
      assert.equal(res.status(), 400);
      assert.match(await text(again, '#settings-error'), /already used/);
    }
    noProblems(page);
  }
});

test('step-up P5 → P9 in the same visit: stepUp() with an asserted_login_identity, straight to proving identity, no second password', async () => {
  const d = await theJourneyDemo();
  const page = await newPage();
  await signIn(page, { level: 'P5', patient: 'P5', scopes: ['profile'], base: d.url });
  assert.equal(await text(page, '#claim-vot'), 'P5.Cp.Cd');
  const sub = await text(page, '#claim-sub');
  const tokenBodies = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/auth/token') tokenBodies.push(JSON.parse(r.postData()));
  });
  const authorize = page.waitForRequest((r) => r.isNavigationRequest() && new URL(r.url()).pathname === '/authorize');
  await page.getByTestId('step-up').click();
  const u = new URL((await authorize).url());
  assert.equal(u.searchParams.get('vtr'), '["P9.Cp.Cd","P9.Cp.Ck","P9.Cm"]');
  assert.ok(u.searchParams.get('asserted_login_identity'));
  await page.waitForURL((x) => x.pathname.startsWith('/interaction/'));
  await assertNoLoginPage(page);
  assert.equal(await text(page, 'h1'), UPLIFT_HEADING);
  await shot(page, '23-step-up-uplift');
  await submit(page, 'Continue');
  if (new URL(page.url()).pathname !== '/callback') await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((x) => x.pathname === '/callback');
  await ready(page);
  assert.equal(await text(page, '#claim-vot'), 'P9.Cp.Cd');
  assert.equal(await text(page, '#claim-identity-level'), 'High (P9)');
  assert.equal(await text(page, '#claim-sub'), sub, 'the same patient');
  assert.equal(await page.getByTestId('step-up').count(), 0, 'nothing left to step up to');
  // The edge held vot to the step-up's vectors, sent with the code.
  assert.deepEqual(tokenBodies.at(-1).vtr, ['P9.Cp.Cd', 'P9.Cp.Ck', 'P9.Cm']);
  noProblems(page);
});

test('client_user_metadata: set, generated by NHS login and cleared from the account page (PATCH userinfo, EIS §3.6.3)', async () => {
  const page = await newPage();
  await signIn(page, { level: 'P9', scopes: ['profile', 'client_metadata'] });
  const patches = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname === '/auth/userinfo' && r.request().method() === 'PATCH') patches.push(r.status());
  });
  const save = async (value) => {
    await page.locator('#metadata-value').fill(value);
    await page.getByTestId('save-metadata').click();
    await page.getByTestId('metadata-result').waitFor();
    const shown = await text(page, '#client-user-metadata');
    await page.evaluate(() => { document.getElementById('metadata-output').textContent = ''; });
    return shown;
  };
  assert.equal(await save('case-42'), 'case-42');
  const generated = await save('auto');
  assert.match(generated, /^[A-Za-z0-9_-]{300,}$/, 'NHS login made one (encrypted to the client key, base64url)');
  assert.equal(await save(''), 'None');
  assert.deepEqual(patches, [204, 204, 204]);
  noProblems(page);
});

test('scopes: every NHS login scope is offered; profile with basic_demographics is refused before NHS login', async () => {
  const page = await newPage();
  await openStart(page);
  const offered = await page.locator('input[name="scope"]').evaluateAll((xs) => xs.map((x) => x.value));
  const { SCOPES } = await import('nhs-login-client');
  assert.deepEqual(offered, SCOPES.filter((s) => s !== 'openid'));
  await page.locator('#scope-profile').check();
  await page.locator('#scope-basic_demographics').check();
  await page.getByRole('button', { name: 'Continue to NHS login' }).click();
  await page.waitForFunction(() => document.body.dataset.page === 'error' && window.__demoReady === true);
  assert.equal(new URL(page.url()).origin, demo.url, 'never sent to NHS login');
  assert.match(await details(page), /"code": "invalid_option"/);
  noProblems(page);
});

test('NHS login testing scenario "the VoT in the request matches the VoT in the response": a vot outside the request is refused', async () => {
  const page = await newPage();
  // The code exchange is sent with vectors the P5 patient cannot have met: the edge refuses the vot.
  await page.route('**/auth/token', async (route) => {
    const body = JSON.parse(route.request().postData());
    await route.continue({ postData: JSON.stringify({ ...body, vtr: ['P9.Cp.Cd'] }) });
  });
  await signIn(page, { level: 'P5', patient: 'P5', scopes: ['profile'] });
  // The edge refused NHS login's token: this service's problem, not NHS login being down.
  await expectError(page, 'service-problem', 'Sorry, there is a problem with the service');
  assert.match(await details(page), /"reason": "edge_failed"[\s\S]*vot_not_satisfied/);
  noProblems(page);
});

test('the code exchange refused by NHS login (a used or unknown code): the link-used page, never "NHS login is not available"', async () => {
  const page = await newPage();
  // As if the code had been used already: NHS login answers invalid_grant, which the edge passes through.
  await page.route('**/auth/token', async (route) => {
    const body = JSON.parse(route.request().postData());
    await route.continue({ postData: JSON.stringify({ ...body, code: `${body.code}x` }) });
  });
  await signIn(page, { level: 'P9' });
  await expectError(page, 'link-used', 'This sign-in link has already been used or has expired');
  assert.match(await details(page), /"code": "token_exchange_failed"[\s\S]*"reason": "nhs_login_refused"[\s\S]*"error": "invalid_grant"/);
  noProblems(page);
});

test('NHS login testing scenario "user verified at a higher level successfully redirected to a lower-level service": P5 and P9 in a P0 service', async () => {
  for (const patient of ['P5', 'P9']) {
    const page = await newPage();
    await signIn(page, { level: 'P0', patient, scopes: ['email'] });
    assert.equal(await text(page, '#claim-vot'), 'P0.Cp', patient);
    noProblems(page);
  }
});

test('NHS login testing scenario "registration at the level": a new patient registers at P0, P5 and P9 and comes back signed in', async () => {
  const d = await theJourneyDemo();
  for (const level of ['P0', 'P5', 'P9']) {
    const page = await newPage();
    await openStart(page, d.url);
    await continueToNhsLogin(page, { level, scopes: ['profile', 'email'] });
    await page.getByLabel('Create an NHS login (register a new patient)').check();
    await submit(page, 'Continue');
    // Registration at P5 or P9 proves the new patient's identity to that level.
    const proving = (await page.getByRole('heading', { name: UPLIFT_HEADING }).count()) > 0;
    assert.equal(proving, level !== 'P0', level);
    if (proving) await submit(page, 'Continue');
    await assertConsentScopes(page, ['profile', 'email']); // consent: a new patient
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((u) => u.pathname === '/callback');
    await ready(page);
    assert.equal(await text(page, '#claim-vot'), LEVELS_VTR[level][0], level);
    assert.equal(await text(page, '#claim-identity-level'), LEVEL_LABEL[level], level);
    assert.match(await text(page, '#claim-email'), /^robin\.newcombe\.\d+@example\.org/);
    if (level === 'P9') await shot(page, '24-claims-registered-p9');
    noProblems(page);
  }
});

const LEVELS_VTR = { P0: ['P0.Cp'], P5: ['P5.Cp.Cd', 'P5.Cp.Ck', 'P5.Cm'], P9: ['P9.Cp.Cd', 'P9.Cp.Ck', 'P9.Cm'] };

// ---- accessibility: axe-core (npm, a devDependency) injected into every demo page -------------

const AXE = readFile(fileURLToPath(new URL('../node_modules/axe-core/axe.min.js', import.meta.url)), 'utf8');

/** axe-core's serious and critical violations on the page as it is now: [] or their rule ids and targets. */
async function axeProblems(page) {
  await page.addScriptTag({ content: await AXE });
  const { violations, passes } = await page.evaluate(async () => {
    const r = await window.axe.run(document);
    return { violations: r.violations, passes: r.passes.length };
  });
  assert.ok(passes > 10, `axe-core ran its rules (${passes} passed)`);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('accessibility: every demo page has no serious or critical axe-core violations', async () => {
  // The page's CSP allows 'self' scripts only: this test's context lets Playwright add axe-core.
  const context = await browser.newContext({ viewport: { width: 1024, height: 900 }, bypassCSP: true });
  contexts.push(context);
  const page = await context.newPage();
  const scanned = {};
  const scan = async (name) => {
    await ready(page);
    scanned[name] = await axeProblems(page);
  };
  await page.goto(`${demo.url}/`);
  await scan('start');
  await page.goto(`${demo.url}/no-such-page`);
  await scan('not found');
  await page.goto(`${demo.url}/callback?code=c&state=not-a-state`);
  await scan('error (sign-in link used)');
  await page.goto(`${demo.url}/`);
  await ready(page);
  await continueToNhsLogin(page, { level: 'P9', scopes: ['profile', 'email', 'client_metadata'] });
  await atProvider(page, { patient: 'P9' });
  await scan('account');
  await page.getByTestId('get-userinfo').click();
  await page.getByTestId('userinfo-result').waitFor();
  scanned['account with userinfo'] = await axeProblems(page);
  // The NHS App variant of the error page (with its way back), from an entry NHS login refuses.
  const nhsApp = await context.newPage();
  await nhsApp.goto(`${demo.url}/?assertedLoginIdentity=eyJhbGciOiJSUzUxMiJ9.eyJpc3MiOiJkZW1vLWNsaWVudCJ9.c2lnbmF0dXJl`);
  await nhsApp.waitForURL((u) => u.pathname === '/callback');
  await ready(nhsApp);
  assert.equal(await nhsApp.getByTestId('back-to-nhs-app').count(), 1);
  scanned['error (from the NHS App)'] = await axeProblems(nhsApp);
  assert.deepEqual(scanned, Object.fromEntries(Object.keys(scanned).map((k) => [k, []])));
  assert.equal(Object.keys(scanned).length, 6);
});
