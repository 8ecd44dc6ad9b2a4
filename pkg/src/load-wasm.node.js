// Node loader: read the .wasm bytes from the package folder (fetch() cannot
// read file: URLs in Node).
import { readFile } from 'node:fs/promises';
import init from '../wasm/nhs_login.js';

export default async () =>
  init({ module_or_path: await readFile(new URL('../wasm/nhs_login_bg.wasm', import.meta.url)) });
