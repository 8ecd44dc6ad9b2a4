// nhs-login-client/edge for Vercel Edge Functions and Next.js middleware (the
// `edge-light` export condition). Vercel's Edge Runtime does not compile wasm
// from bytes at run time (no WebAssembly.compile or instantiate of a buffer),
// so the module is imported with Vercel's `?module` suffix: the bundler ships
// the .wasm beside the function and hands it over as a WebAssembly.Module.
import wasmModule from '../wasm/nhs_login_bg.wasm?module';
import { setWasmSource } from './core.js';

setWasmSource(() => wasmModule);

export { createEdgeHandler, memorySessionStore, kvSessionStore } from './edge.js';
