// A minimal "browser" for driving the local provider with plain fetch: a
// cookie jar, manual redirects, and the provider's own login and consent
// forms (see README "Login and consent pages"), the uplift page included.
// For tests outside a browser.

export class CookieJar {
  #cookies = new Map();

  store(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (!value || /max-age=0\b/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header() {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

const formAction = (html) => /<form method="post" action="([^"]+)"/.exec(html)?.[1];

/**
 * Opens `authorizeUrl` and completes the provider's pages: the login page with
 * `patient` (p9, p5 or p0), the uplift page when the patient is below the
 * requested level, and the consent page with `consent` (allow or deny).
 * Resolves to the URL NHS login-like redirects back to (starting with `redirectUri`).
 */
export async function signInWithFetch({ authorizeUrl, redirectUri, patient = 'p9', consent = 'allow', jar = new CookieJar() }) {
  let url = authorizeUrl;
  let res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
  for (let hops = 0; hops < 20; hops++) {
    jar.store(res);
    if (res.status >= 300 && res.status < 400) {
      await res.arrayBuffer();
      const next = new URL(res.headers.get('location'), url).href;
      if (next.startsWith(redirectUri)) return next;
      url = next;
      res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`provider page answered ${res.status}: ${html.slice(0, 200)}`);
    const action = formAction(html);
    if (!action) throw new Error(`no form on the provider page: ${html.slice(0, 200)}`);
    // The login page picks the patient; the uplift page (a patient below the
    // requested level, NHS login docs: testing scenarios) proves identity; the
    // consent page allows or denies.
    const fields = html.includes('name="patient"') ? { patient } : action.endsWith('/uplift') ? { decision: 'uplift' } : { decision: consent };
    url = new URL(action, url).href;
    res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
  }
  throw new Error('too many redirects');
}
