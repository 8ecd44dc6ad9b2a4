// The ID token validation benchmark in the browser (benches/speed-browser.mjs
// opens this page in headless Chromium): the harness Node runs, with the
// contenders a browser can load — the floor (atob), ours as the npm package
// (native ES modules, the .wasm fetched), jose and oauth4webapi.
import * as h from '../speed-harness.js';
import * as ours from '../flows/ours.js';
import * as joseFlow from '../flows/jose.js';
import * as o4w from '../flows/oauth4webapi.js';

window.bench = async (method) => {
  const run = await h.setup();
  const contenders = [
    { name: 'floor: crypto.subtle.verify + hand checks', run: run.floor },
    { name: 'ours: validateIdToken (WebCrypto)', run: ours.validate },
    { name: 'jose: jwtVerify + createLocalJWKSet', run: joseFlow.validate },
    { name: 'oauth4webapi: processAuthorizationCodeResponse + validateApplicationLevelSignature', run: o4w.validate },
  ];
  await h.checkContenders(contenders, run);
  const samples = await h.measure(contenders, run, method);
  return { names: contenders.map((c) => c.name), samples, tokenLength: run.token.length, isolated: globalThis.crossOriginIsolated === true };
};
window.ready = true;
