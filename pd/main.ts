import { loadConfigOrExit } from '../common/config/index.js';
import { createLogger } from '../common/log/index.js';
import { stopOnSignals } from '../common/stop-on-signals.js';
import { pdConfigSchema } from './server/config.js';
import { PdServer } from './server/pd-server.js';

/**
 * `tide-pd`: one Placement Driver member. `node dist/pd/main.js --help` lists the
 * settings; SIGTERM or SIGINT stops it cleanly (exit 0).
 */
const config = loadConfigOrExit({ schema: pdConfigSchema, argv: process.argv.slice(2), programName: 'tide-pd' });
const logger = createLogger({ component: 'pd', level: config.logLevel });
const server = await PdServer.start(config, logger);
console.log(`tide-pd ${config.name} serving PD on ${config.clientUrls.replace(/:\d+$/, '')}:${server.clientPort}, peers on port ${server.peerPort}, HTTP on port ${server.statusPort}`);

stopOnSignals(() => server.stop(), logger);
