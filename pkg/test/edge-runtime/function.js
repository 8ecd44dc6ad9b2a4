// A Vercel Edge Function as a service would write it, in the service-worker
// form Vercel's edge-runtime runs: the package's edge entry (resolved with the
// `edge-light` condition, as Vercel's bundler does) configured from a value
// the test puts in the context (EDGE_CONFIG, like an environment variable;
// EDGE_STORE=memory: sessions in this instance's memory).
import { createEdgeHandler, memorySessionStore } from 'nhs-login-client/edge';

let handler;
addEventListener('fetch', (event) => {
  handler ??= createEdgeHandler({
    ...JSON.parse(globalThis.EDGE_CONFIG),
    ...(globalThis.EDGE_STORE === 'memory' ? { sessionStore: memorySessionStore() } : {}),
  });
  event.respondWith(handler(event.request));
});
