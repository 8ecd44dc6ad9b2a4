// A Cloudflare Worker exactly as a service would deploy it: the package's
// edge entry (the `workerd` export condition) with its configuration from a
// binding. The test bundles it with esbuild the way wrangler does.
import { createEdgeHandler } from 'nhs-login-client/edge';

let handler;
export default {
  fetch(request, env) {
    handler ??= createEdgeHandler(JSON.parse(env.EDGE_CONFIG));
    return handler(request);
  },
};
