// Runs the edge handler in real workerd (Cloudflare's runtime) through miniflare.
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

let bundled;
/** Bundles worker.js like wrangler: workerd/worker/browser conditions, .wasm kept as a module. */
async function bundle() {
  if (bundled) return bundled;
  const outdir = await mkdtemp(join(tmpdir(), 'nhs-login-worker-'));
  await build({
    entryPoints: [fileURLToPath(new URL('./worker.js', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    loader: { '.wasm': 'copy' },
    outdir,
    logLevel: 'error',
  });
  return (bundled = { outdir, script: join(outdir, 'worker.js') });
}

const instances = [];

/** A `send(path, init)` that dispatches into a workerd instance configured with `config`. */
export async function workerdSend(config) {
  const { outdir, script } = await bundle();
  const mf = new Miniflare({
    modules: true,
    scriptPath: script,
    modulesRoot: outdir,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2026-04-01',
    bindings: { EDGE_CONFIG: JSON.stringify(config) },
  });
  await mf.ready;
  instances.push(mf);
  return (path, init = {}) => mf.dispatchFetch(`https://edge.example${path}`, { ...init, redirect: 'manual' });
}

export async function disposeAll() {
  await Promise.all(instances.splice(0).map((mf) => mf.dispose()));
}
