// Per-token ID token validation speed in headless Chromium (Debian's, driven
// by playwright-core as the browser tests are), warm: benches/speed-harness.js
// run by benches/browser/speed.html. In a browser the SPA validates its ID
// token, and WebCrypto there verifies off the page's thread, as Node's does.
//
// The page is served cross-origin isolated (COOP + COEP), so performance.now()
// has its finer resolution.
//
// Usage: node benches/speed-browser.mjs   (env: BENCH_BATCHES=15 BENCH_ITERS=200 BENCH_WARMUP=200, CHROMIUM=path)
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { table } from './speed-harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const method = {
  batches: Number(process.env.BENCH_BATCHES ?? 15),
  iters: Number(process.env.BENCH_ITERS ?? 200),
  warmup: Number(process.env.BENCH_WARMUP ?? 200),
};
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`error: no Chromium at ${executablePath} (make setup installs Debian's; or set CHROMIUM)`);
  process.exit(1);
}

// Only what the page loads: the package, the test helpers that sign the token,
// the benchmark and the two libraries.
const served = ['/pkg/src/', '/pkg/wasm/', '/pkg/test/helpers.js', '/benches/', '/node_modules/jose/', '/node_modules/oauth4webapi/'];
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
  if (!served.some((p) => path.startsWith(p))) return res.writeHead(404).end();
  try {
    const body = await readFile(join(root, path));
    res.writeHead(200, {
      'content-type': types[extname(path)] ?? 'application/octet-stream',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`http://127.0.0.1:${server.address().port}/benches/browser/speed.html`);
  await page.waitForFunction(() => window.ready === true || false, null, { timeout: 30_000 }).catch(() => {
    throw new Error(`the benchmark page did not load: ${errors.map(String).join('; ') || 'timeout'}`);
  });
  const version = browser.version();
  const r = await page.evaluate((m) => window.bench(m), method);
  console.log('## ID token validation speed (headless Chromium, warm, per token)\n');
  console.log(`Chromium ${version}${r.isolated ? ', cross-origin isolated' : ''}; RSA-2048 RS512 token of ${r.tokenLength} bytes, JWKS of 2 keys; ` +
    `warm-up ${method.warmup}, then ${method.batches} round-robin batches × ${method.iters} sequential validations each. ` +
    'All contenders accepted the good token and rejected forged/wrong-nonce/vot/expired ones.\n');
  console.log(table(r.names, r.samples));
} finally {
  await browser.close();
  server.close();
}
