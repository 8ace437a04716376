import { missingBroker } from './helpers/cluster.js';
import { clusterLoadSuite } from './helpers/cluster-load-suite.js';

// A thousand clients' presence, and a paste of megabytes, across hubs joined by the Redis at
// 127.0.0.1:6379 (or REDIS_URL); skips, naming what is missing, when there is none.
clusterLoadSuite('redis', await missingBroker('redis'));
