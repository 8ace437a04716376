import { missingBroker } from './helpers/cluster.js';
import { clusterSuite } from './helpers/cluster-suite.js';

// Runs against the Redis at 127.0.0.1:6379 (or REDIS_URL), plus a redis-server of its own for
// the restart test; skips, naming what is missing, when there is none.
clusterSuite('redis', await missingBroker('redis'));
