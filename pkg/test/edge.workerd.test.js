// The edge handler in real workerd: the same fault suite as in Node.
import { test, before, after } from 'node:test';
import { makeClientKey } from './helpers.js';
import { edgeFaultSuite } from './edge-faults.js';
import { edgeFlowSuite } from './edge-flow.js';
import { edgeFidelitySuite } from './edge-fidelity.js';
import { edgeSessionSuite } from './edge-sessions.js';
import { workerdSend, disposeAll } from './workerd/run.js';

after(disposeAll);
edgeFaultSuite(test, { before, after }, workerdSend, makeClientKey);
edgeFlowSuite(test, { before, after }, workerdSend);
edgeFidelitySuite(test, { before, after }, workerdSend);
edgeSessionSuite(test, { before, after }, workerdSend);
