// Node entry of nhs-login-client: the same API, with the .wasm read from the
// package folder (Node's fetch() cannot read file: URLs).
import { readFile } from 'node:fs/promises';
import { setWasmSource } from './core.js';

setWasmSource(() => readFile(new URL('../wasm/nhs_login_bg.wasm', import.meta.url)));

export * from './index.js';
