// NHS login's JWKS and discovery document, as the edge handler keeps them:
// fetched when first needed, kept as long as Cache-Control allows (bounded
// to [60 s, 24 h]), the JWKS refetched after an unknown kid at most once a
// minute. Discovery is where the configured issuer is checked.
import { keysetFromText } from './core.js';
import { cachedDocument } from './cached-document.js';
import { HttpError } from './edge-http.js';
import { jsonOf, upstreamError } from './edge-upstream.js';

const MINUTE = 60_000;

/**
 * Milliseconds a response may be cached: Cache-Control max-age / s-maxage
 * (60 s for no-store / no-cache, `fallbackSeconds` without either), bounded
 * to [60 s, 24 h].
 * @param {Headers} headers
 * @param {number} fallbackSeconds
 * @returns {number}
 */
export function maxAgeOf(headers, fallbackSeconds) {
  const cc = headers.get('cache-control') || '';
  const m = /(?:^|,)\s*(?:s-maxage|max-age)\s*=\s*(\d+)/i.exec(cc);
  const s = /no-store|no-cache/i.test(cc) ? 60 : m ? Number(m[1]) : fallbackSeconds;
  return Math.min(Math.max(s, 60), 86400) * 1000;
}

/**
 * The issuer check's message (OIDC Discovery 4.3): a deployment mistake, so
 * it names both values and says what to change.
 * @param {string} configured
 * @param {string} discovered
 * @returns {HttpError} 500 invalid_configuration
 */
export const issuerMismatchError = (configured, discovered) =>
  new HttpError(
    500,
    'invalid_configuration',
    `the edge handler is configured for issuer "${configured}" but NHS login's discovery names "${discovered}": set \`environment\` or \`issuer\` to the discovery issuer`,
  );

/** @typedef {ReturnType<typeof cachedDocument<{ json: Record<string, any>, parsed: any }>>} Document */

/**
 * The JWKS and discovery of a configuration.
 * @param {Pick<import('./edge-config.js').EdgeConfig, 'issuer' | 'endpoints' | 'log'>} config
 * @param {import('./edge-upstream.js').Upstream} upstream
 * @returns {{
 *   jwks: Document, discovery: Document,
 *   remoteJwks: { keyset(): Promise<unknown>, rotated(): Promise<unknown> },
 *   checkIssuer(): Promise<void>, assertIssuer(): void,
 * }} `jwks.get()` and `discovery.get()` resolve to `{ json, parsed }`;
 *   `remoteJwks` is the `jwks` option for checkIdToken; `checkIssuer()` reads
 *   discovery before the first code exchange; `assertIssuer()` throws the
 *   500 while the issuers differ.
 */
export function createDocuments({ issuer, endpoints, log }, upstream) {
  const cached = (url, what, parse) =>
    cachedDocument(
      async () => {
        const r = await upstream(url, { headers: { accept: 'application/json' } }, what);
        if (r.status !== 200) {
          log({ event: 'upstream_error', what, status: r.status });
          throw upstreamError(502, 'server_error', `NHS login's ${what} answered HTTP ${r.status}`);
        }
        const json = jsonOf(r, what, log);
        const parsed = await parse(json);
        return { value: { json, parsed }, maxAgeMs: maxAgeOf(r.headers, 3600) };
      },
      { cooldownMs: MINUTE },
    );

  const jwks = cached(endpoints.jwks, 'JWKS', async (json) => {
    try {
      return await keysetFromText(JSON.stringify(json));
    } catch (e) {
      throw upstreamError(502, 'server_error', `NHS login's JWKS is unusable: ${e.message}`);
    }
  });

  // The configured issuer must be the one NHS login's discovery names (OIDC
  // Discovery 4.3). A mismatch is a deployment mistake, not a failed sign-in:
  // every route then answers 500 invalid_configuration naming both values,
  // logged once. The ID token's iss stays compared exactly (OIDC Core 3.1.3.7 (2)).
  let issuerMismatch, issuerChecked = false;
  const discovery = cached(endpoints.discovery, 'discovery', (json) => {
    // A document without an issuer is unusable (OIDC Discovery 3: REQUIRED), not a mismatch.
    if (typeof json.issuer !== 'string') {
      log({ event: 'upstream_bad_discovery' });
      throw upstreamError(502, 'server_error', "NHS login's discovery document has no issuer");
    }
    const named = json.issuer.slice(0, 200);
    if (json.issuer !== issuer) {
      if (!issuerMismatch) log({ event: 'invalid_configuration', configured: issuer, discovered: named });
      issuerMismatch = named;
    } else {
      issuerMismatch = undefined;
    }
    issuerChecked = true;
    return json;
  });
  const assertIssuer = () => {
    if (issuerMismatch) throw issuerMismatchError(issuer, issuerMismatch);
  };

  // Before the first code exchange: read discovery once. If it cannot be read,
  // the exchange goes ahead (the ID token's iss is checked anyway) and the
  // check is tried again a minute later.
  let issuerCheckFailedAt = -Infinity;
  async function checkIssuer() {
    if (!issuerChecked && Date.now() - issuerCheckFailedAt >= MINUTE) {
      try {
        await discovery.get();
      } catch {
        issuerCheckFailedAt = Date.now();
        log({ event: 'issuer_check_skipped' });
      }
    }
    assertIssuer();
  }

  return {
    jwks,
    discovery,
    remoteJwks: {
      keyset: async () => (await jwks.get()).parsed,
      rotated: async () => (await jwks.refresh())?.parsed,
    },
    checkIssuer,
    assertIssuer,
  };
}
