// worker.js with `rateLimit: env.TOKEN_LIMITER`, a Workers Rate Limiting
// binding (miniflare's implementation of it in the tests), as a service
// deploys it.
import { createEdgeHandler } from 'nhs-login-client/edge';

let handler;
export default {
  fetch(request, env) {
    handler ??= createEdgeHandler({ ...JSON.parse(env.EDGE_CONFIG), rateLimit: env.TOKEN_LIMITER });
    return handler(request);
  },
};
