#!/usr/bin/env node
// The demo launcher: `node www/serve.mjs` (or `make demo`, which builds the
// package first). On 127.0.0.1 only, it
//   1. builds the SPA (www/src → www/dist) with esbuild;
//   2. starts the local NHS-login-like provider (tests/provider) with the
//      client `demo-client`, whose redirect URI is the SPA's /callback;
//   3. runs the edge handler (nhs-login-client/edge) in workerd through
//      miniflare, configured with that provider and the client's private key;
//   4. serves www/dist, and proxies /auth/* to the edge handler, so the SPA,
//      its API and the session cookie share one origin.
// Ctrl-C (SIGINT), SIGTERM or SIGHUP stops all three (during start-up too).
// A taken port exits with code 2 and names the variable to set.
//
// Environment: DEMO_PORT (default 8080), PROVIDER_PORT (default 9000), for
// trying the session rules quickly DEMO_IDLE_SECONDS (default 1800) and
// DEMO_MAX_SECONDS (default 43200), and for watching an access token run out
// DEMO_ACCESS_TOKEN_TTL (seconds, 1 to 3600; default 300, as NHS login).
//
// Tests start it in-process: `const demo = await startDemo({ port: 0, providerPort: 0 })`.
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startProvider } from '../tests/provider/provider.mjs';
import { bundleWorker as bundleWorkerLike } from '../tests/workerd-bundle.mjs';
import { IDLE_SECONDS, MAX_SECONDS } from 'nhs-login-client';

const HOST = '127.0.0.1'; // never another interface: the provider is a test double with no passwords
const WWW = dirname(fileURLToPath(import.meta.url));
const DIST = join(WWW, 'dist');
const require = createRequire(import.meta.url);
const PKG = dirname(require.resolve('nhs-login-client/package.json'));
const FRONTEND = join(dirname(require.resolve('nhsuk-frontend/package.json')), 'dist', 'nhsuk');

export const CLIENT_ID = 'demo-client';
export const SERVICE_NAME = 'NHS login demo service';
/** Every vector the start page offers (P9, P5, P0): the edge checks `vot` against them. */
export const VTR = ['P9.Cp.Cd', 'P9.Cp.Ck', 'P9.Cm', 'P5.Cp.Cd', 'P5.Cp.Ck', 'P5.Cm', 'P0.Cp'];

// ---- build ---------------------------------------------------------------------

/**
 * Builds the SPA into `outdir` (default www/dist):
 *   index.html, js/app.js (+ map), wasm/nhs_login_bg.wasm, css/, assets/images/.
 * The library finds its wasm with `new URL('../wasm/nhs_login_bg.wasm', import.meta.url)`,
 * which esbuild leaves alone: with the bundle in js/, that is wasm/ at the root.
 * Every such URL in the bundle is checked to exist after the build.
 */
export async function buildSpa({ outdir = DIST } = {}) {
  const wasm = join(PKG, 'wasm', 'nhs_login_bg.wasm');
  if (!(await exists(wasm))) throw new Error(`${wasm} is missing: build the package first (make build)`);
  await rm(outdir, { recursive: true, force: true });
  await mkdir(join(outdir, 'css'), { recursive: true });

  await build({
    entryPoints: [join(WWW, 'src', 'app.js')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: join(outdir, 'js', 'app.js'),
    minify: true,
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  await cp(wasm, join(outdir, 'wasm', 'nhs_login_bg.wasm'), { recursive: true });

  // Asset URLs the bundle computes at run time must resolve to files. The one
  // exception is wasm-bindgen's own fallback (`new URL('nhs_login_bg.wasm', …)`
  // in the glue), never used: the library always passes its URL to init().
  const bundle = await readFile(join(outdir, 'js', 'app.js'), 'utf8');
  const assetUrls = [...bundle.matchAll(/new URL\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url\s*\)/g)].map((m) => m[1]);
  if (!assetUrls.includes('../wasm/nhs_login_bg.wasm')) throw new Error('the bundle no longer loads ../wasm/nhs_login_bg.wasm: update buildSpa');
  for (const u of assetUrls.filter((x) => x !== 'nhs_login_bg.wasm')) {
    const file = fileURLToPath(new URL(u, pathToFileURL(join(outdir, 'js', 'app.js'))));
    if (!file.startsWith(outdir + sep) || !(await exists(file))) throw new Error(`the bundle loads ${u}, which the build did not produce`);
  }

  // NHS.UK frontend's compiled CSS, without its @font-face rules: Frutiger
  // comes from assets.nhs.uk, and the demo loads nothing from outside. The
  // font stack then falls back to Arial, as on NHS.UK.
  const css = (await readFile(join(FRONTEND, 'nhsuk-frontend.min.css'), 'utf8')).replace(/@font-face\s*\{[^}]*\}/g, '');
  if (/url\(\s*["']?(https?:)?\/\//i.test(css)) throw new Error('nhsuk-frontend CSS still refers to an outside URL');
  await writeFile(join(outdir, 'css', 'nhsuk-frontend.min.css'), css);
  await cp(join(WWW, 'src', 'app.css'), join(outdir, 'css', 'app.css'));
  await cp(join(FRONTEND, 'assets', 'images'), join(outdir, 'assets', 'images'), { recursive: true });
  await cp(join(WWW, 'src', 'index.html'), join(outdir, 'index.html'));
  return outdir;
}

/** Bundles www/worker.js like wrangler (see tests/workerd-bundle.mjs). */
const bundleWorker = (outdir) => bundleWorkerLike(join(WWW, 'worker.js'), outdir, 'warning');

// ---- HTTP ------------------------------------------------------------------------

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};
// Same origin for everything; 'wasm-unsafe-eval' lets the page compile the library's wasm.
const CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
const SECURITY_HEADERS = { 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cross-origin-opener-policy': 'same-origin' };
// Not forwarded to the edge handler (hop-by-hop, or recomputed).
const HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'expect', 'content-length', 'proxy-connection', 'te', 'trailer']);
const MAX_BODY = 64 * 1024;

async function exists(path) {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(Object.assign(new Error('body too large'), { status: 413 }));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Serves `root`; paths without an extension are SPA routes and get index.html (with `config`). */
async function serveStatic(req, res, root, config) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return res.writeHead(405, { allow: 'GET, HEAD' }).end();
  let path;
  try {
    path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
  } catch {
    return res.writeHead(400).end();
  }
  let file = join(root, path);
  if (!file.startsWith(root + sep) && file !== root) return res.writeHead(404).end();
  const isRoute = !extname(path);
  if (isRoute) file = join(root, 'index.html');
  let body;
  try {
    body = await readFile(file);
  } catch {
    return res.writeHead(404, { 'content-type': 'text/plain', ...SECURITY_HEADERS }).end('not found');
  }
  if (isRoute) {
    // The configuration as JSON in a non-executed <script>: no inline script for the CSP to allow.
    const json = JSON.stringify(config).replace(/</g, '\\u003c');
    body = Buffer.from(body.toString('utf8').replace('<!--DEMO_CONFIG-->', json));
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': body.length,
    'cache-control': isRoute ? 'no-store' : 'no-cache',
    ...SECURITY_HEADERS,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Forwards /auth/* to the edge handler in workerd, cookies and Origin included. */
async function proxyToEdge(req, res, mf, origin) {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k)) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await readBody(req);
  const r = await mf.dispatchFetch(new URL(req.url, origin).href, { method: req.method, headers, body, redirect: 'manual' });
  const out = {};
  r.headers.forEach((v, k) => {
    if (k !== 'set-cookie' && k !== 'content-length' && k !== 'content-encoding' && k !== 'transfer-encoding') out[k] = v;
  });
  const cookies = r.headers.getSetCookie();
  if (cookies.length) out['set-cookie'] = cookies;
  const buf = Buffer.from(await r.arrayBuffer());
  res.writeHead(r.status, { ...out, 'content-length': buf.length }).end(req.method === 'HEAD' ? undefined : buf);
}

/** A port that is taken, as an error naming the environment variable that moves it. */
class PortInUse extends Error {
  constructor(variable, port, what) {
    super(`port ${port} on ${HOST} (${what}) is in use: set ${variable} to another port, e.g. ${variable}=${port + 1} make demo`);
    this.code = 'EADDRINUSE';
    this.variable = variable;
  }
}

/** Runs `start()`, turning EADDRINUSE into a PortInUse naming `variable`. */
async function portNamed(variable, port, what, start) {
  try {
    return await start();
  } catch (e) {
    throw e && e.code === 'EADDRINUSE' ? new PortInUse(variable, port, what) : e;
  }
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    const onError = (e) => reject(e.code === 'EADDRINUSE' ? new PortInUse('DEMO_PORT', port, 'the demo SPA and its /auth edge handler') : e);
    server.once('error', onError);
    server.listen(port, HOST, () => {
      server.off('error', onError);
      resolve(server.address().port);
    });
  });
}

// ---- the demo ------------------------------------------------------------------

/**
 * Starts the whole demo on 127.0.0.1.
 *
 * @param {object} [o]
 * @param {number} [o.port] SPA port (0: any free port). Default DEMO_PORT or 8080.
 * @param {number} [o.providerPort] provider port (0: any). Default PROVIDER_PORT or 9000.
 * @param {boolean} [o.build] build www/dist first. Default true.
 * @param {boolean} [o.quiet] no provider diagnostics or edge log lines. Default false.
 * @param {object} [o.edge] extra edge handler options (e.g. `{ tokenEndpoint }` pointing at a dead port).
 * @param {string} [o.clientScope] scopes the provider approves for demo-client (others: invalid_scope). Default: all.
 * @param {number} [o.idleSeconds] session idle limit shown and enforced by the SPA. Default 1800.
 * @param {number} [o.maxSeconds] session total limit. Default 43200.
 * @param {number} [o.accessTokenTtl] lifetime of the provider's access tokens in seconds (its
 *   `accessTokenTtl` switch, 1 to 3600). Default 300, as NHS login (EIS Table 18).
 * @returns {Promise<{ url: string, redirectUri: string, issuer: string, provider: object, close(): Promise<void> }>}
 */
export async function startDemo(o = {}) {
  const port = o.port ?? Number(process.env.DEMO_PORT ?? 8080);
  const providerPort = o.providerPort ?? Number(process.env.PROVIDER_PORT ?? 9000);
  if (o.build !== false) await buildSpa();

  const closers = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) {
      try {
        await c();
      } catch {}
    }
  };
  try {
    // The SPA server first: its port makes the origin and the redirect URI.
    let ready;
    const started = new Promise((r) => (ready = r));
    const server = createServer(async (req, res) => {
      try {
        const s = await started;
        const path = new URL(req.url, 'http://x').pathname;
        if (path === '/auth' || path.startsWith('/auth/')) await proxyToEdge(req, res, s.mf, s.origin);
        else await serveStatic(req, res, DIST, s.config);
      } catch (e) {
        if (!res.headersSent) res.writeHead(e.status ?? 502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'server_error', error_description: 'the demo server could not answer' }));
      }
    });
    const spaPort = await listen(server, port);
    closers.push(
      () =>
        new Promise((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    );
    const origin = `http://${HOST}:${spaPort}`;
    const redirectUri = `${origin}/callback`;

    const op = await portNamed('PROVIDER_PORT', providerPort, 'the NHS-login-like provider', () => startProvider({
      port: providerPort,
      clients: [{ client_id: CLIENT_ID, client_name: SERVICE_NAME, redirect_uris: [redirectUri], ...(o.clientScope ? { scope: o.clientScope } : {}) }],
      ...(o.quiet ? { log: false } : {}),
      ...(o.accessTokenTtl !== undefined ? { accessTokenTtl: o.accessTokenTtl } : {}),
    }));
    closers.push(() => op.close());
    const key = op.clientKeys[CLIENT_ID];

    const workDir = await mkdtemp(join(tmpdir(), 'nhs-login-demo-worker-'));
    closers.push(() => rm(workDir, { recursive: true, force: true }));
    const script = await bundleWorker(workDir);
    const edgeConfig = {
      issuer: op.issuer,
      clientId: CLIENT_ID,
      privateKey: key.privateKeyPem,
      keyId: key.kid,
      allowedOrigins: [origin],
      redirectUris: [redirectUri],
      cookieSecret: randomBytes(32).toString('base64url'), // new per start: old cookies stop working
      vtr: VTR,
      timeoutMs: 5000,
      // On loopback there is no client address (CF-Connecting-IP, X-Forwarded-For): every request shares
      // one rate-limit key, so the demo allows more than the default 10 sign-ins a minute.
      rateLimit: { requests: 120, periodSeconds: 60 },
      ...o.edge,
    };
    const mf = new Miniflare({
      modules: true,
      scriptPath: script,
      modulesRoot: workDir,
      modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate: '2026-04-01',
      bindings: { EDGE_CONFIG: JSON.stringify(edgeConfig), EDGE_LOG: o.quiet ? 'off' : 'on' },
    });
    closers.push(() => mf.dispose());
    await mf.ready;

    const config = {
      serviceName: SERVICE_NAME,
      clientId: CLIENT_ID,
      issuer: op.issuer,
      authorizationEndpoint: op.endpoints.authorization,
      redirectUri,
      edgeUrl: '/auth',
      // The local provider's "Manage your NHS login" page (NHS login: settings.<env>.signin.nhs.uk), and its
      // simulated NHS App, which opens this service with a one-time assertedLoginIdentity.
      settingsUrl: op.endpoints.settings,
      nhsAppUrl: `${op.endpoints.nhsApp}?service=${encodeURIComponent(`${origin}/`)}`,
      idleSeconds: o.idleSeconds ?? IDLE_SECONDS,
      maxSeconds: o.maxSeconds ?? MAX_SECONDS,
    };
    ready({ mf, origin, config });
    return { url: origin, redirectUri, issuer: op.issuer, provider: op, close };
  } catch (e) {
    await close();
    throw e;
  }
}

// ---- command line --------------------------------------------------------------

async function main() {
  const num = (name) => {
    const v = process.env[name];
    if (v === undefined || v === '') return undefined;
    if (!/^\d+$/.test(v)) throw new Error(`${name} must be a whole number of seconds (got ${JSON.stringify(v)})`);
    return Number(v);
  };
  const port = (name, fallback) => {
    const v = process.env[name];
    if (v === undefined || v === '') return fallback;
    if (!/^\d+$/.test(v) || Number(v) > 65535) throw new Error(`${name} must be a port number, 0 to 65535 (got ${JSON.stringify(v)})`);
    return Number(v);
  };
  const options = {
    port: port('DEMO_PORT', 8080),
    providerPort: port('PROVIDER_PORT', 9000),
    idleSeconds: num('DEMO_IDLE_SECONDS'),
    maxSeconds: num('DEMO_MAX_SECONDS'),
    accessTokenTtl: num('DEMO_ACCESS_TOKEN_TTL'),
  };
  // Signals are ours from the start: one during start-up waits for it to finish, then closes
  // everything it started (and the 5 s guard below exits even if start-up hangs; miniflare's
  // exit hook then kills workerd).
  let starting;
  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the demo…`);
    setTimeout(() => process.exit(1), 5000).unref(); // never hang on shutdown
    const demo = await starting?.catch(() => undefined);
    await demo?.close();
    console.log('Stopped.');
    process.exit(0);
  };
  // Miniflare registers its own SIGINT/SIGTERM hook, which kills workerd and
  // exits at once (code 130/143) before anything else can close. Take the
  // signals over (again once it has started) so the SPA server, workerd and
  // the provider close in order; miniflare's 'exit' hook still kills workerd
  // if the process ends otherwise.
  const takeSignals = () => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
      process.removeAllListeners(signal);
      process.on(signal, () => stop(signal));
    }
  };
  takeSignals();
  console.log('Building the demo and starting the provider and the edge handler…');
  starting = startDemo(options);
  const demo = await starting;
  takeSignals();
  if (stopping) return;
  console.log(`
  Open ${demo.url}

  SPA and edge handler (workerd)  ${demo.url}  (edge routes under /auth)
  NHS login test provider          ${demo.issuer}
  Test patients: P9 Alice Pennington, P5 Bilal Okafor, P0 Chloe Duarte (no passwords)

  Press Ctrl-C to stop.
`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e) => {
    // A taken port is a message naming the variable to set, not a stack trace.
    console.error(`The demo could not start: ${e.message}`);
    process.exit(e.code === 'EADDRINUSE' ? 2 : 1);
  });
}
