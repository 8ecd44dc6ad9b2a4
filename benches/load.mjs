// The edge handler under concurrent load, IN WORKERD: nhs-login-client/edge
// bundled like wrangler (pkg/test/workerd/worker.js, `workerd` export
// condition) and run by miniflare, which listens on a loopback port itself
// (workerd serves the socket; Node is not on the request path). Configured as
// in pkg/test/edge-flow.js, against the real local NHS-login-like provider
// (tests/provider/provider.mjs), which runs in a child process so that its
// work is not counted in this process's event loop or memory.
//
// Scenarios, each bounded in requests and in time:
//   (a) GET /auth/jwks and GET /auth/.well-known/openid-configuration: the
//       cached routes (one upstream fetch, then served from the cache);
//   (b) POST /auth/token, the full exchange: N authorization codes are made
//       first, untimed and one after the other, by signing the P9 patient in
//       at the provider (tests/provider/user-agent.mjs signInWithFetch), then
//       exchanged concurrently through the handler (each: RS512 client
//       assertion, the provider's token endpoint, RS512 ID token validation
//       with nonce and vot, the AES-GCM session cookie).
// Load comes from this process (global fetch, keep-alive), `concurrency`
// requests in flight. Reported per scenario: requests, concurrency,
// requests/s, p50/p99 latency, errors (must be 0: the script exits 1
// otherwise), the workerd process's RSS (found in /proc: the newest child of
// this process whose command line contains "workerd") before and after, with
// the peak sampled every 50 ms, and this Node process's RSS.
//
// Usage: node benches/load.mjs
//   env: LOAD_CODES=200 (per concurrency level of (b)), LOAD_CACHED=3000 (requests per row of (a))
import { spawn } from 'node:child_process';
import http from 'node:http';
import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus, availableParallelism } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const self = fileURLToPath(import.meta.url);
const root = join(dirname(self), '..');
const CLIENT_ID = 'edge-client';
const ORIGIN = 'https://spa.example';
const REDIRECT = 'https://spa.example/callback';
const VTR = ['P9.Cp.Cd'];
const CODES = Number(process.env.LOAD_CODES ?? 200);
const CACHED = Number(process.env.LOAD_CACHED ?? 3000);
const SCENARIO_LIMIT_MS = 15_000; // no scenario issues requests for longer than this
const SCRIPT_LIMIT_MS = 170_000; // the whole script, start-up included (< 3 minutes)

// ---- helpers -------------------------------------------------------------------------------

function fail(message) {
  console.error(`load: ${message}`);
  process.exitCode = 1;
  throw new Error(message);
}

/** RSS in MiB of `pid`, from /proc. */
const rssOf = (pid) => {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};
const nodeRss = () => process.memoryUsage.rss() / 1024 / 1024;

/** The workerd process miniflare started: the newest child of this process whose cmdline contains "workerd" (other than `not`). */
function findWorkerd(not = []) {
  const found = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (!cmd.includes('workerd')) continue;
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // after "pid (comm) "
      found.push({ pid: Number(d), ppid: Number(fields[1]), start: Number(fields[19]), cmd });
    } catch {} // gone meanwhile, or not ours to read
  }
  const mine = found.filter((p) => p.ppid === process.pid && !not.includes(p.pid)).sort((a, b) => b.start - a.start);
  if (!mine.length) fail(`no workerd child process found (workerd processes seen: ${found.map((p) => p.pid).join(', ') || 'none'})`);
  return mine[0];
}

/** CPU seconds (user + system) `pid` has used, from /proc (clock ticks of 1/100 s). */
const cpuOf = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};

// node:http with keep-alive rather than fetch: undici's fetch costs this
// process more CPU per request, and it shares the 2 cores with workerd.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
/** One request to the worker: resolves to { status, headers, text }. */
const request = (base, method, path, headers = {}, body) =>
  new Promise((resolve, reject) => {
    const req = http.request(new URL(path, base), { method, agent, headers: body ? { ...headers, 'content-length': Buffer.byteLength(body) } : headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', reject);
    req.end(body);
  });

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];

/**
 * Runs `total` requests, `concurrency` at a time, stopping early at `limitMs`.
 * `request(i)` resolves to true for a correct answer. Samples workerd's RSS every 50 ms.
 */
async function load({ name, total, concurrency, request, workerdPid, limitMs = SCENARIO_LIMIT_MS }) {
  const latencies = [];
  const errors = [];
  const memBefore = { workerd: rssOf(workerdPid), node: nodeRss() };
  const cpuBefore = cpuOf(workerdPid);
  let peak = memBefore.workerd;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(workerdPid))), 50);
  let next = 0;
  const t0 = performance.now();
  const deadline = t0 + limitMs;
  const lane = async () => {
    while (next < total && performance.now() < deadline) {
      const i = next++;
      const start = performance.now();
      try {
        const problem = await request(i);
        if (problem) errors.push(problem);
      } catch (e) {
        errors.push(`${e.name}: ${e.message}`);
      }
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const elapsed = performance.now() - t0;
  clearInterval(sampler);
  const memAfter = { workerd: rssOf(workerdPid), node: nodeRss() };
  const workerdCpuMs = ((cpuOf(workerdPid) - cpuBefore) * 1000) / Math.max(1, latencies.length);
  peak = Math.max(peak, memAfter.workerd);
  latencies.sort((a, b) => a - b);
  return {
    name,
    requests: latencies.length,
    planned: total,
    concurrency,
    rps: latencies.length / (elapsed / 1000),
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    errors,
    memBefore,
    memAfter,
    peak,
    workerdCpuMs,
  };
}

async function main() {
  const scriptStart = performance.now();
  const watchdog = setTimeout(() => {
    console.error(`load: over ${SCRIPT_LIMIT_MS / 1000} s, giving up`);
    process.exit(1);
  }, SCRIPT_LIMIT_MS);
  watchdog.unref();

  const { bundleWorker } = await import(pathToFileURL(join(root, 'tests', 'workerd-bundle.mjs')).href);
  const { Miniflare } = await import('miniflare');
  const { createAuthorizationRequest, parseCallback } = await import('nhs-login-client');
  const { CookieJar, signInWithFetch } = await import(pathToFileURL(join(root, 'tests', 'provider', 'user-agent.mjs')).href);

  // 1. The provider, in a child process.
  // Its stderr (oidc-provider's start-up warnings) is shown only if it fails.
  const child = spawn(process.execPath, [self, '--provider-child'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let childErr = '';
  child.stderr.on('data', (c) => (childErr += c));
  const op = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
    });
    child.on('exit', (code) => reject(new Error(`the provider exited (${code}): ${childErr}`)));
  });
  const providerPid = child.pid;

  // 2. The worker, bundled as wrangler would, served by miniflare on a loopback port.
  const outdir = mkdtempSync(join(tmpdir(), 'nhs-login-load-'));
  let mf, baseline;
  const cleanup = async () => {
    agent.destroy();
    await baseline?.dispose().catch(() => {});
    await mf?.dispose().catch(() => {});
    child.kill('SIGTERM');
    rmSync(outdir, { recursive: true, force: true });
  };
  try {
    // LOAD_STORE=kv (default): sessions on Workers KV (kv-worker.js, miniflare's local KV); LOAD_STORE=cookie:
    // the self-contained sealed cookie (worker.js), as before issue 11.
    const kv = (process.env.LOAD_STORE ?? 'kv') === 'kv';
    const entry = kv ? 'kv-worker.js' : 'worker.js';
    await bundleWorker(join(root, 'pkg', 'test', 'workerd', entry), outdir);
    const config = {
      issuer: op.issuer,
      clientId: CLIENT_ID,
      privateKey: op.privateKeyPem,
      keyId: op.kid,
      allowedOrigins: [ORIGIN],
      redirectUris: [REDIRECT],
      cookieSecret: Buffer.alloc(32, 9).toString('base64url'),
      vtr: VTR,
      timeoutMs: 10000,
      // The /token rate limiter on (the built-in bucket), with a limit this one-client load never reaches: its cost is measured.
      rateLimit: { requests: 1_000_000, periodSeconds: 60 },
    };
    mf = new Miniflare({
      modules: true,
      scriptPath: join(outdir, entry),
      modulesRoot: outdir,
      modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate: '2026-04-01',
      bindings: { EDGE_CONFIG: JSON.stringify(config) },
      ...(kv ? { kvNamespaces: ['SESSIONS'] } : {}),
      host: '127.0.0.1',
      port: 0,
    });
    const base = new URL(await mf.ready); // the address workerd listens on
    if (base.hostname !== '127.0.0.1') fail(`miniflare listens on ${base.host}, not on loopback`);
    const workerd = findWorkerd();

    const get = (path) => async () => {
      const res = await request(base, 'GET', path, { origin: ORIGIN });
      if (res.status !== 200) return `GET ${path}: HTTP ${res.status} ${res.text.slice(0, 200)}`;
      if (!res.text.startsWith('{')) return `GET ${path}: not JSON`;
    };
    const idle = { workerd: rssOf(workerd.pid), node: nodeRss() };

    // Warm-up, untimed: the worker starts, compiles its wasm, fetches and caches JWKS and discovery.
    for (const p of ['/auth/jwks', '/auth/.well-known/openid-configuration']) {
      const problem = await get(p)();
      if (problem) fail(`warm-up: ${problem}`);
    }
    const results = [];
    for (const [path, label] of [['/auth/jwks', 'GET /auth/jwks'], ['/auth/.well-known/openid-configuration', 'GET /auth/.well-known/openid-configuration']]) {
      const request = get(path);
      await load({ name: 'warm-up', total: 200, concurrency: 8, request, workerdPid: workerd.pid });
      for (const concurrency of [8, 16]) results.push(await load({ name: label, total: CACHED, concurrency, request, workerdPid: workerd.pid }));
    }

    // 3. The codes: signed in one after the other, before any timing.
    const levels = [8, 16];
    const signInStart = performance.now();
    const jar = new CookieJar(); // one browser: signed in once, then single sign-on
    const codes = [];
    for (let i = 0; i < CODES * levels.length; i++) {
      const req = await createAuthorizationRequest({ authorizationEndpoint: op.authorization, clientId: CLIENT_ID, redirectUri: REDIRECT, scope: ['openid', 'profile'], vtr: VTR });
      const back = await signInWithFetch({ authorizeUrl: req.url, redirectUri: REDIRECT, patient: 'p9', jar });
      const { code } = await parseCallback(back, { state: req.state, issuer: op.issuer });
      codes.push({ code, codeVerifier: req.codeVerifier, nonce: req.nonce });
      if (performance.now() - scriptStart > SCRIPT_LIMIT_MS - 60_000) fail(`signing in is too slow: ${i + 1} codes in ${((performance.now() - signInStart) / 1000).toFixed(0)} s`);
    }
    const signInSeconds = (performance.now() - signInStart) / 1000;

    const exchange = (batch) => async (i) => {
      const c = batch[i];
      const body = JSON.stringify({ code: c.code, code_verifier: c.codeVerifier, redirect_uri: REDIRECT, nonce: c.nonce });
      const res = await request(base, 'POST', '/auth/token', { origin: ORIGIN, 'content-type': 'application/json' }, body);
      if (res.status !== 200) return `POST /auth/token: HTTP ${res.status} ${res.text.slice(0, 200)}`;
      const tokens = JSON.parse(res.text);
      if (typeof tokens.id_token !== 'string' || typeof tokens.access_token !== 'string' || tokens.refresh_token !== undefined) return 'POST /auth/token: unexpected answer';
      if (!/^__Host-nhs-login=/.test(res.headers['set-cookie']?.[0] ?? '')) return 'POST /auth/token: no session cookie';
    };
    const providerBefore = rssOf(providerPid);
    for (const [k, concurrency] of levels.entries()) {
      const batch = codes.slice(k * CODES, (k + 1) * CODES); // each code is used once
      results.push(await load({ name: 'POST /auth/token (full exchange)', total: batch.length, concurrency, request: exchange(batch), workerdPid: workerd.pid }));
    }
    const providerAfter = rssOf(providerPid);

    // 4. For scale: a trivial worker (a constant JSON answer) in its own workerd, same load as (a).
    baseline = new Miniflare({
      modules: true,
      script: "export default { fetch: () => new Response('{\"keys\":[]}', { headers: { 'content-type': 'application/json' } }) };",
      compatibilityDate: '2026-04-01',
      host: '127.0.0.1',
      port: 0,
    });
    const baselineBase = new URL(await baseline.ready);
    const baselineWorkerd = findWorkerd([workerd.pid]);
    const baselineGet = async () => {
      const res = await request(baselineBase, 'GET', '/', { origin: ORIGIN });
      if (res.status !== 200) return `baseline: HTTP ${res.status}`;
    };
    await load({ name: 'warm-up', total: 200, concurrency: 8, request: baselineGet, workerdPid: baselineWorkerd.pid });
    results.push(await load({ name: 'baseline: a trivial worker (constant JSON), GET', total: CACHED, concurrency: 16, request: baselineGet, workerdPid: baselineWorkerd.pid }));

    // 5. Report.
    const mib = (x) => x.toFixed(0);
    const ms = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
    console.log('## Edge handler under load (workerd)\n');
    console.log(
      `${process.version}, workerd via miniflare ${JSON.parse(readFileSync(join(root, 'node_modules', 'miniflare', 'package.json'), 'utf8')).version} ` +
        `listening on ${base.host} itself; ${cpus()[0]?.model ?? 'unknown CPU'} × ${availableParallelism()}. ` +
        `The handler (pkg/test/workerd/${entry} bundled with the \`workerd\` condition, configured as in pkg/test/edge-flow.js${kv ? ', sessions on Workers KV (miniflare)' : ''}, the /token rate limiter on) against the local provider ` +
        '(tests/provider/, oidc-provider, in a child process); load from one Node process (node:http, keep-alive), `concurrency` requests in flight. ' +
        `(a) the cached routes, ${CACHED} requests per row after a warm-up; (b) the full code exchange (RS512 client assertion, the provider's token endpoint, ` +
        `RS512 ID token validation, session cookie) of ${CODES} codes per row, made beforehand (${CODES * levels.length} sign-ins of the P9 patient with ` +
        `signInWithFetch, one after the other, ${signInSeconds.toFixed(0)} s, untimed). Latency: request sent to answer body read. ` +
        `RSS in MiB: workerd (pid ${workerd.pid}) before → after the row (peak sampled every 50 ms), idle after start ${mib(idle.workerd)}; ` +
        `Node = this load-generating process. workerd CPU: its user + system time over the row, per request. Each row is bounded to ${SCENARIO_LIMIT_MS / 1000} s ` +
        '("n of N": the bound stopped it). The baseline row is a one-line worker in a second workerd under the same load: the ceiling of miniflare/workerd and ' +
        'of this load generator on this machine, and the RSS growth that is workerd\'s own.\n',
    );
    console.log('| scenario | requests | concurrency | requests/s | p50 (ms) | p99 (ms) | errors | workerd RSS (MiB) | Node RSS (MiB) | workerd CPU (ms/request) |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of results) {
      console.log(
        `| ${r.name} | ${r.requests}${r.requests < r.planned ? ` of ${r.planned}` : ''} | ${r.concurrency} | ${r.rps.toFixed(0)} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.errors.length} | ` +
          `${mib(r.memBefore.workerd)} → ${mib(r.memAfter.workerd)} (peak ${mib(r.peak)}) | ${mib(r.memBefore.node)} → ${mib(r.memAfter.node)} | ${r.workerdCpuMs.toFixed(2)} |`,
      );
    }
    console.log(`\n- provider child process RSS: ${mib(providerBefore)} → ${mib(providerAfter)} MiB over (b); whole script ${((performance.now() - scriptStart) / 1000).toFixed(0)} s`);

    const errors = results.flatMap((r) => r.errors.map((e) => `${r.name} (concurrency ${r.concurrency}): ${e}`));
    if (errors.length) fail(`${errors.length} errors, first: ${errors.slice(0, 5).join(' | ')}`);
  } finally {
    await cleanup();
  }
}

// ---- the provider child ------------------------------------------------------------------
async function providerChild() {
  const { startProvider } = await import(pathToFileURL(join(root, 'tests', 'provider', 'provider.mjs')).href);
  const op = await startProvider({ port: 0, clients: [{ client_id: CLIENT_ID, redirect_uris: [REDIRECT] }], log: false });
  const c = op.clientKeys[CLIENT_ID];
  process.stdout.write(`${JSON.stringify({ issuer: op.issuer, authorization: op.endpoints.authorization, privateKeyPem: c.privateKeyPem, kid: c.kid })}\n`);
  const stop = () => op.close().then(() => process.exit(0));
  process.stdin.on('end', stop); // the parent went away
  process.stdin.resume();
  process.on('SIGTERM', stop);
}

if (process.argv[2] === '--provider-child') await providerChild();
else await main();

