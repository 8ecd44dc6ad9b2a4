// nhs-login-client/edge for Cloudflare Workers (workerd): Workers cannot compile
// wasm from bytes at run time, so the module is imported (wrangler and
// esbuild-based bundlers turn this import into a WebAssembly.Module).
import wasmModule from '../wasm/nhs_login_bg.wasm';
import { setWasmSource } from './core.js';

setWasmSource(() => wasmModule);

export { createEdgeHandler, memorySessionStore, kvSessionStore } from './edge.js';
