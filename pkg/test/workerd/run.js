// Runs the edge handler in real workerd (Cloudflare's runtime) through miniflare.
import { bundleWorker } from '../../../tests/workerd-bundle.mjs';
import { Miniflare } from 'miniflare';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bundled = new Map();
/** Bundles `entry` (default worker.js) like wrangler: workerd/worker/browser conditions, .wasm kept as a module. */
async function bundle(entry = 'worker.js') {
  if (bundled.has(entry)) return bundled.get(entry);
  const outdir = await mkdtemp(join(tmpdir(), 'nhs-login-worker-'));
  const out = { outdir, script: await bundleWorker(fileURLToPath(new URL(`./${entry}`, import.meta.url)), outdir) };
  bundled.set(entry, out);
  return out;
}

const instances = [];

/**
 * A `send(path, init)` that dispatches into a workerd instance configured with `config`.
 * `worker`: the entry in this folder (default worker.js; logging-worker.js adds a `log` option);
 * `store: true`: kv-worker.js, the session store on miniflare's Workers KV.
 */
export async function workerdSend(config, { worker, store, tokenLimit } = {}) {
  // `store`: the session store on Workers KV (kv-worker.js, miniflare's local KV namespace SESSIONS).
  // `tokenLimit: n`: ratelimit-worker.js with a Workers Rate Limiting binding of n requests a minute.
  const { outdir, script } = await bundle(store ? 'kv-worker.js' : tokenLimit ? 'ratelimit-worker.js' : worker);
  const mf = new Miniflare({
    modules: true,
    scriptPath: script,
    modulesRoot: outdir,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2026-04-01',
    bindings: { EDGE_CONFIG: JSON.stringify(config) },
    ...(store ? { kvNamespaces: ['SESSIONS'] } : {}),
    ...(tokenLimit ? { ratelimits: { TOKEN_LIMITER: { simple: { limit: tokenLimit, period: 60 } } } } : {}),
  });
  await mf.ready;
  instances.push(mf);
  return (path, init = {}) => mf.dispatchFetch(`https://edge.example${path}`, { ...init, redirect: 'manual' });
}

export async function disposeAll() {
  await Promise.all(instances.splice(0).map((mf) => mf.dispose()));
}
