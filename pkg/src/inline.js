// nhs-login-client/inline: the browser entry with the wasm inlined as base64,
// for bundlers that do not handle URL-relative assets next to a module
// (esbuild) or classic-script bundles: no configuration and no file to copy.
// It costs about a third more bytes than the separate .wasm (README,
// "Bundlers") and cannot be compiled while streaming.
import wasmBase64 from '../wasm/nhs_login_inline.js';
import { setWasmSource } from './core.js';

setWasmSource(() => {
  const bin = atob(wasmBase64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
});

export * from './index.js';
