// worker.js with the session store on Workers KV (the SESSIONS namespace,
// miniflare's local KV in the tests): `kvSessionStore(env.SESSIONS)`, as a
// service deploys it.
import { createEdgeHandler, kvSessionStore } from 'nhs-login-client/edge';

let handler;
export default {
  fetch(request, env) {
    handler ??= createEdgeHandler({ ...JSON.parse(env.EDGE_CONFIG), sessionStore: kvSessionStore(env.SESSIONS) });
    return handler(request);
  },
};
