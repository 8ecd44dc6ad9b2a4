// The edge half of the demo: a Cloudflare Worker exactly as a service would
// deploy it, the package's edge entry (the `workerd` export condition) with
// its configuration from a binding. serve.mjs bundles it with esbuild the way
// wrangler does and runs it in workerd through miniflare.
import { createEdgeHandler } from 'nhs-login-client/edge';

let handler;
export default {
  fetch(request, env) {
    handler ??= createEdgeHandler({
      ...JSON.parse(env.EDGE_CONFIG),
      // Structured events, never containing secrets (see edge.d.ts).
      log: env.EDGE_LOG === 'on' ? (event) => console.log(`[edge] ${JSON.stringify(event)}`) : undefined,
    });
    return handler(request);
  },
};
