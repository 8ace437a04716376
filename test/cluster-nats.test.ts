import { missingBroker } from './helpers/cluster.js';
import { clusterSuite } from './helpers/cluster-suite.js';

// Runs against the NATS at 127.0.0.1:4222 (or NATS_URL), which needs JetStream for nickname
// claims, plus a nats-server of its own for the restart test; skips, naming what is missing, when there is none.
clusterSuite('nats', await missingBroker('nats'));
