// Runs the edge handler in Vercel's edge-runtime (npm `edge-runtime`, the
// runtime Vercel publishes for running Edge Functions locally and that Next.js
// uses for its edge sandbox). The function is bundled as Vercel's bundler
// does it: the `edge-light` export condition, and a `.wasm?module` import
// turned into a WebAssembly.Module binding compiled outside the function
// (Edge Functions cannot compile wasm from bytes themselves; Next.js's
// sandbox hands wasm over the same way).
import { EdgeRuntime } from 'edge-runtime';
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

let bundled;
/** The function bundled once: { code, wasm: [{ name, path }] }. */
function bundle() {
  return (bundled ??= (async () => {
    const wasm = [];
    const result = await build({
      entryPoints: [fileURLToPath(new URL('./function.js', import.meta.url))],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'neutral',
      conditions: ['edge-light', 'worker', 'browser'],
      mainFields: ['module', 'main'],
      logLevel: 'error',
      plugins: [
        {
          name: 'vercel-wasm-module',
          setup(b) {
            b.onResolve({ filter: /\.wasm\?module$/ }, async (args) => {
              const path = fileURLToPath(new URL(args.path.replace(/\?module$/, ''), `file://${args.resolveDir}/`));
              const name = `wasm_${wasm.length}`;
              wasm.push({ name, path });
              return { path: name, namespace: 'wasm-binding' };
            });
            b.onLoad({ filter: /.*/, namespace: 'wasm-binding' }, (args) => ({ contents: `export default globalThis.${args.path};`, loader: 'js' }));
          },
        },
      ],
    });
    if (!wasm.length) throw new Error('the bundle imports no .wasm?module: the edge-light entry was not used');
    return { code: result.outputFiles[0].text, wasm };
  })());
}

/**
 * What Vercel's Edge Runtime refuses and the edge-runtime package allows:
 * compiling wasm from bytes inside the function (WebAssembly.compile,
 * instantiate of a buffer, new WebAssembly.Module). Refused here too, so a
 * test passes only with the wasm handed over as a module.
 */
function refuseWasmFromBytes(global) {
  const W = global.WebAssembly;
  const refuse = (what) => {
    throw new Error(`${what}: Wasm code generation disallowed by embedder (as on Vercel Edge)`);
  };
  const instantiate = W.instantiate.bind(W);
  global.WebAssembly = Object.assign(Object.create(W), {
    compile: async () => refuse('WebAssembly.compile'),
    compileStreaming: async () => refuse('WebAssembly.compileStreaming'),
    instantiateStreaming: async () => refuse('WebAssembly.instantiateStreaming'),
    instantiate: async (source, imports) => {
      // Bindings are compiled outside (another realm): anything with the shape of a Module is one.
      if (!(source instanceof W.Module) && Object.prototype.toString.call(source) !== '[object WebAssembly.Module]') refuse('WebAssembly.instantiate of bytes');
      return instantiate(source, imports);
    },
    Module: function Module() {
      refuse('new WebAssembly.Module');
    },
  });
}

/**
 * A `send(path, init)` that dispatches into a new edge-runtime instance configured with `config`.
 * `store: true`: sessions in the instance's memory (memorySessionStore).
 */
export async function edgeRuntimeSend(config, { store } = {}) {
  const { code, wasm } = await bundle();
  const modules = await Promise.all(wasm.map(async ({ name, path }) => [name, await WebAssembly.compile(await readFile(path))]));
  const runtime = new EdgeRuntime({
    // Run inside the function's realm, before the function.
    initialCode: `(${refuseWasmFromBytes})(globalThis);\n${code}`,
    extend: (context) => {
      return Object.assign(context, { EDGE_CONFIG: JSON.stringify(config), EDGE_STORE: store ? 'memory' : '' }, Object.fromEntries(modules));
    },
  });
  edgeRuntimeSend.last = runtime;
  return (path, init = {}) => runtime.dispatchFetch(`https://edge.example${path}`, { ...init, redirect: 'manual' });
}
