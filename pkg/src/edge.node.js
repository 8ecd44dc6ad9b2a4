// nhs-login-client/edge for Node 20+: the .wasm is read from the package folder.
import { readFile } from 'node:fs/promises';
import { setWasmSource } from './core.js';

setWasmSource(() => readFile(new URL('../wasm/nhs_login_bg.wasm', import.meta.url)));

export { createEdgeHandler, memorySessionStore, kvSessionStore } from './edge.js';
