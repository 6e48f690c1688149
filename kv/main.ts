import { loadConfigOrExit } from '../common/config/index.js';
import { createLogger } from '../common/log/index.js';
import { stopOnSignals } from '../common/stop-on-signals.js';
import { kvConfigSchema } from './node/config.js';
import { StoreNode } from './node/store-node.js';

/**
 * `tide-kv`: one store. `node dist/kv/main.js --help` lists the settings; SIGTERM or
 * SIGINT stops it cleanly (exit 0).
 */
const config = loadConfigOrExit({ schema: kvConfigSchema, argv: process.argv.slice(2), programName: 'tide-kv' });
const logger = createLogger({ component: 'kv', level: config.logLevel });
const node = await StoreNode.start(config, logger);
console.log(`tide-kv store ${node.storeId} serving KV on ${config.addr.replace(/:\d+$/, '')}:${node.port}, status on port ${node.statusPort}`);

stopOnSignals(() => node.stop(), logger);
