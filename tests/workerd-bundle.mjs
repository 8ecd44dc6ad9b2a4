// Bundles a Cloudflare Worker the way wrangler does: the `workerd`, `worker`
// and `browser` export conditions, ESM out, and `.wasm` imports kept as
// separate modules (workerd compiles them; it cannot compile wasm bytes at
// run time). Shared by the workerd tests, the demo and the load benchmark.
import { build } from 'esbuild';
import { basename, join } from 'node:path';

/** Bundles `entry` (a path) into `outdir`; resolves to the bundled script's path. */
export async function bundleWorker(entry, outdir, logLevel = 'error') {
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    loader: { '.wasm': 'copy' },
    outdir,
    logLevel,
  });
  return join(outdir, basename(entry));
}
