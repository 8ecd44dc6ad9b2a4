// worker.js plus a `log` option: the handler's log events are kept in the
// isolate and handed to the test (and cleared) by GET /__test/log, a route
// outside the handler's basePath. For edge-chaos.test.js, which asserts that
// no secret ever reaches a log event.
import { createEdgeHandler } from 'nhs-login-client/edge';

const events = [];
let handler;
export default {
  fetch(request, env) {
    if (new URL(request.url).pathname === '/__test/log') {
      return new Response(JSON.stringify(events.splice(0)), { headers: { 'content-type': 'application/json' } });
    }
    // Each event is serialised as it is logged, as a log shipper would.
    handler ??= createEdgeHandler({ ...JSON.parse(env.EDGE_CONFIG), log: (event) => events.push(JSON.stringify(event)) });
    return handler(request);
  },
};
