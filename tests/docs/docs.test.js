// Docs that are tests: every block marked `<!-- test: KIND -->` in README.md,
// pkg/README.md and docs/*.md (tests/docs/extract.mjs; the convention is in
// docs/docs-tests.md) is type-checked with `tsc --strict` exactly as written,
// then run against the local NHS-login-like provider:
//   spa     bundled with esbuild as the page's script, served with the edge handler under /auth (Node,
//           toNodeListener), driven in headless Chromium through NHS login's pages: it must write
//           "Signed in" into the page
//   worker  bundled like wrangler and run in workerd (miniflare) with the bindings below
//   node    run with node, listening on $PORT
// worker and node snippets must serve the edge handler under /auth: GET /auth/jwks answers NHS
// login's keys, and POST /auth/token with a made-up code is refused by the provider as
// invalid_grant — which it only says after the client assertion (the private key and keyId) passed.
//
// To run against the local provider, `environment: 'sandpit' | 'integration' | 'production'` is
// replaced by the provider's issuer (and authorization endpoint): the only change made to a snippet.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { chromium } from 'playwright-core';
import { createEdgeHandler, toNodeListener } from 'nhs-login-client/edge/node';
import { VECTORS } from 'nhs-login-client';
import { allBlocks, ROOT } from './extract.mjs';
import { startProvider } from '../provider/provider.mjs';
import { bundleWorker } from '../workerd-bundle.mjs';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const WORK = join(ROOT, 'target', 'docs-tests');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const WASM = join(dirname(require.resolve('nhs-login-client/package.json')), 'wasm', 'nhs_login_bg.wasm');
const CLIENT_ID = 'my-client';

const blocks = await allBlocks();
const name = (b, i) => `${String(i).padStart(2, '0')}-${b.file.replace(/[^\w]+/g, '-')}-${b.line}`;
const label = (b) => `${b.file}:${b.line} (${b.kind})`;

/** The snippet with its NHS login environment replaced by the local provider. */
function forLocal(code, op, { authorize = false } = {}) {
  const replaced = code.replace(/environment:\s*'(sandpit|integration|production)'/g, () =>
    authorize ? `issuer: '${op.issuer}', authorizationEndpoint: '${op.endpoints.authorization}'` : `issuer: '${op.issuer}'`,
  );
  assert.notEqual(replaced, code, 'the snippet names an NHS login environment, replaced here by the local provider');
  return replaced;
}

// ---- tsc --strict, every block as written ---------------------------------------------------------

const tscErrors = new Map();
before(async () => {
  await rm(WORK, { recursive: true, force: true });
  await mkdir(join(WORK, 'tsc'), { recursive: true });
  const projects = { web: [], node: [] };
  for (const [i, b] of blocks.entries()) {
    const file = `${name(b, i)}.${b.lang}`;
    await writeFile(join(WORK, 'tsc', file), b.code);
    projects[b.kind === 'node' ? 'node' : 'web'].push(file);
  }
  const base = { strict: true, noEmit: true, allowJs: true, checkJs: true, target: 'es2022', skipLibCheck: false, isolatedModules: true, noUncheckedIndexedAccess: true };
  const options = {
    web: { ...base, module: 'preserve', moduleResolution: 'bundler', lib: ['es2022', 'dom', 'dom.iterable'], types: [] },
    node: { ...base, module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022', 'dom'], types: ['node'] },
  };
  for (const [project, files] of Object.entries(projects)) {
    if (!files.length) continue;
    const config = join(WORK, 'tsc', `tsconfig.${project}.json`);
    await writeFile(config, JSON.stringify({ compilerOptions: options[project], files }, null, 2));
    let output = '';
    try {
      await run(process.execPath, [TSC, '-p', config, '--pretty', 'false'], { cwd: join(WORK, 'tsc'), maxBuffer: 8 * 1024 * 1024 });
    } catch (e) {
      output = `${e.stdout}${e.stderr}`;
      if (!/error TS\d+/.test(output)) throw e;
    }
    for (const line of output.split('\n').filter((l) => /error TS\d+/.test(l))) {
      const file = line.split('(')[0];
      tscErrors.set(file, [...(tscErrors.get(file) ?? []), line]);
    }
  }
});

test('the README quick starts are marked: README.md and pkg/README.md each have an spa and a worker block', () => {
  for (const file of ['README.md', 'pkg/README.md']) {
    for (const kind of ['spa', 'worker']) assert.ok(blocks.some((b) => b.file === file && b.kind === kind), `${file} has a <!-- test: ${kind} --> block`);
  }
});

for (const [i, b] of blocks.entries()) {
  test(`tsc --strict: ${label(b)}`, () => {
    const errors = tscErrors.get(`${name(b, i)}.${b.lang}`) ?? [];
    assert.deepEqual(errors, [], `${label(b)} does not type-check:\n${errors.join('\n')}`);
  });
}

// ---- the edge checks shared by worker and node snippets --------------------------------------------

/** The first allowed origin and redirect URI the snippet configures. */
function deployment(code) {
  const origin = /allowedOrigins:\s*\[\s*'([^']+)'/.exec(code)?.[1];
  const redirectUri = /redirectUris:\s*\[\s*'([^']+)'/.exec(code)?.[1];
  assert.ok(origin && redirectUri, 'the snippet lists allowedOrigins and redirectUris');
  return { origin, redirectUri };
}

async function edgeChecks(send, { origin, redirectUri }) {
  const jwks = await send('/auth/jwks', { headers: { origin } });
  assert.equal(jwks.status, 200, await jwks.clone().text());
  assert.ok((await jwks.json()).keys.length >= 1, 'NHS login keys through the edge');
  const token = await send('/auth/token', {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json' },
    body: JSON.stringify({ code: 'a-code-the-provider-never-issued', code_verifier: 'v'.repeat(43), redirect_uri: redirectUri, nonce: 'n' }),
  });
  assert.deepEqual([token.status, (await token.json()).error], [400, 'invalid_grant'], 'client assertion accepted (key and keyId), then the made-up code refused');
}

const providers = [];
after(() => Promise.all(providers.splice(0).map((p) => p.close())));
async function provider(redirectUri) {
  const op = await startProvider({ port: 0, clients: [{ client_id: CLIENT_ID, redirect_uris: [redirectUri] }], log: false });
  providers.push(op);
  return { op, key: op.clientKeys[CLIENT_ID] };
}

// ---- worker: workerd through miniflare ------------------------------------------------------------

const STATIC_MARK = 'docs-test-static-page';
const WORKER_BINDINGS = 'NHS_LOGIN_PRIVATE_KEY (the PEM on one line, its line breaks written \\n, as in .dev.vars), NHS_LOGIN_KEY_ID, COOKIE_SECRET, SESSIONS (KV), TOKEN_LIMITER (rate limiting), ASSETS (static assets)';
for (const [i, b] of blocks.entries()) {
  if (b.kind !== 'worker') continue;
  test(`workerd: ${label(b)} serves /auth with ${WORKER_BINDINGS}`, async () => {
    const where = deployment(b.code);
    const { op, key } = await provider(where.redirectUri);
    const dir = join(WORK, 'run', name(b, i));
    await mkdir(dir, { recursive: true });
    const entry = join(dir, `worker.${b.lang}`);
    await writeFile(entry, forLocal(b.code, op));
    // esbuild writes worker.js for worker.ts too.
    const script = (await bundleWorker(entry, join(dir, 'out'))).replace(/\.ts$/, '.js');
    // Workers static assets: a one-page SPA, served for unknown paths too (single-page-application), the
    // Worker run first for /auth/* (wrangler's assets.run_worker_first).
    const assets = join(dir, 'assets');
    await mkdir(assets, { recursive: true });
    await writeFile(join(assets, 'index.html'), `<!doctype html><title>${STATIC_MARK}</title>`);
    const mf = new Miniflare({
      modules: true,
      scriptPath: script,
      modulesRoot: join(dir, 'out'),
      modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate: '2026-04-01',
      bindings: { NHS_LOGIN_PRIVATE_KEY: key.privateKeyPem.trim().replaceAll('\n', '\\n'), NHS_LOGIN_KEY_ID: key.kid, COOKIE_SECRET: randomBytes(32).toString('base64url') },
      kvNamespaces: ['SESSIONS'],
      assets: {
        directory: assets,
        binding: 'ASSETS',
        routerConfig: { has_user_worker: true, static_routing: { user_worker: ['/auth/*'] } },
        assetConfig: { not_found_handling: 'single-page-application' },
      },
      ratelimits: { TOKEN_LIMITER: { simple: { limit: 100, period: 60 } } },
    });
    try {
      await mf.ready;
      const base = new URL(where.origin).origin;
      const send = (path, init) => mf.dispatchFetch(`${base}${path}`, { ...init, redirect: 'manual' });
      await edgeChecks(send, where);
      if (/env\.ASSETS\b/.test(b.code)) {
        // A Worker that serves the SPA too: its pages come from the static assets.
        for (const path of ['/', '/callback']) {
          const page = await send(path);
          assert.equal(page.status, 200, path);
          assert.match(await page.text(), new RegExp(STATIC_MARK), `${path} is the SPA's index.html`);
        }
      }
    } finally {
      await mf.dispose();
    }
  });
}

// ---- node: a Node program on $PORT ------------------------------------------------------------------

for (const [i, b] of blocks.entries()) {
  if (b.kind !== 'node') continue;
  test(`node: ${label(b)} serves /auth on $PORT`, async () => {
    const where = deployment(b.code);
    const { op, key } = await provider(where.redirectUri);
    const dir = join(WORK, 'run', name(b, i));
    await mkdir(dir, { recursive: true });
    const entry = join(dir, 'server.mjs');
    if (b.lang !== 'js') throw new Error('node blocks are js');
    await writeFile(entry, forLocal(b.code, op));
    const port = await new Promise((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = s.address();
        s.close(() => resolve(p));
      });
    });
    const child = spawn(process.execPath, [entry], {
      cwd: dir,
      env: { ...process.env, PORT: String(port), NHS_LOGIN_PRIVATE_KEY: key.privateKeyPem, NHS_LOGIN_KEY_ID: key.kid, COOKIE_SECRET: randomBytes(32).toString('base64url') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    try {
      const send = (path, init) => fetch(`http://127.0.0.1:${port}${path}`, { ...init, redirect: 'manual' });
      for (let t = 0; ; t++) {
        if (child.exitCode !== null) throw new Error(`the program exited (${child.exitCode}):\n${output}`);
        if (await send('/auth/jwks', { method: 'OPTIONS', headers: { origin: where.origin } }).then(() => true, () => false)) break;
        if (t > 100) throw new Error(`nothing listens on $PORT after 10 s:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      await edgeChecks(send, where);
    } finally {
      child.kill('SIGTERM');
    }
  });
}

// ---- spa: the page's script in Chromium, sign-in through the provider's pages ------------------------

const spaBlocks = [...blocks.entries()].filter(([, b]) => b.kind === 'spa');
let browser;
after(() => browser?.close());

for (const [i, b] of spaBlocks) {
  test(`Chromium: ${label(b)} signs the P9 test patient in (start page, NHS login's pages, /callback)`, async () => {
    browser ??= await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const dir = join(WORK, 'run', name(b, i));
    const dist = join(dir, 'dist');
    await mkdir(join(dist, 'wasm'), { recursive: true });
    await cp(WASM, join(dist, 'wasm', 'nhs_login_bg.wasm'));
    await writeFile(join(dist, 'index.html'), '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>docs test</title></head><body><button id="sign-in" type="button">Sign in with NHS login</button><script type="module" src="/js/app.js"></script></body></html>');

    // The page's server: index.html for / and /callback, the bundle and the wasm, and the edge under /auth.
    let listener;
    const server = createServer((req, res) => {
      const path = new URL(req.url, 'http://x').pathname;
      if (path.startsWith('/auth/')) return listener(req, res);
      const file = path === '/' || path === '/callback' ? 'index.html' : path.slice(1);
      const type = file.endsWith('.html') ? 'text/html' : file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
      readFile(join(dist, file)).then(
        (body) => res.writeHead(200, { 'content-type': type }).end(body),
        () => res.writeHead(404).end(),
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const origin = `http://127.0.0.1:${server.address().port}`;
    try {
      const { op, key } = await provider(`${origin}/callback`);
      listener = toNodeListener(
        createEdgeHandler({ issuer: op.issuer, clientId: CLIENT_ID, privateKey: key.privateKeyPem, keyId: key.kid, allowedOrigins: [origin], redirectUris: [`${origin}/callback`], cookieSecret: randomBytes(32).toString('base64url'), vtr: [...VECTORS] }),
      );
      const entry = join(dir, `app.${b.lang}`);
      await writeFile(entry, forLocal(b.code, op, { authorize: true }));
      await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outfile: join(dist, 'js', 'app.js'), logLevel: 'error' });

      const context = await browser.newContext();
      const page = await context.newPage();
      const problems = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      try {
        await page.goto(`${origin}/`);
        await page.click('#sign-in');
        await page.waitForURL((u) => u.pathname.startsWith('/interaction/'), { timeout: 15000 });
        await page.getByLabel('Sign in as P9 patient').check();
        await Promise.all([page.waitForEvent('framenavigated', (f) => f === page.mainFrame()), page.getByRole('button', { name: 'Continue' }).click()]);
        await page.waitForLoadState();
        if (new URL(page.url()).pathname !== '/callback') {
          await page.getByRole('button', { name: 'Continue' }).click();
          await page.waitForURL((u) => u.pathname === '/callback', { timeout: 15000 });
        }
        await page.waitForFunction(() => /Signed in|Not signed in/.test(document.body.textContent ?? ''), null, { timeout: 15000 });
        const text = await page.evaluate(() => document.body.textContent);
        assert.match(text, /^Signed in/, `the snippet reports: ${text}; ${problems.join('; ')}`);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
}
