// Type declarations for nhs-login-client/edge/node (hand-written): everything
// nhs-login-client/edge exports, and the Node adapter.
import type { NodeListenerOptions, NodeRequestLike, NodeResponseLike } from './edge.js';

export * from './edge.js';

/**
 * The edge handler as a Node `(req, res)` listener for `http.createServer`, Express or Connect: streams the
 * request body (up to `bodyLimit`, else 413) and the response, aborts the Request's `signal` when the client
 * goes away, and trusts `X-Forwarded-*` headers only with `trustForwardedHeaders: true`. Throws an
 * NhsLoginError with code `invalid_option` for a bad option.
 */
export declare function toNodeListener(
  handler: (request: Request) => Promise<Response>,
  options?: NodeListenerOptions,
): (req: NodeRequestLike, res: NodeResponseLike) => Promise<void>;
