export { LOG_LEVELS, childLogger, createLogger, isLogLevel, moduleLogger, type LogLevel, type Logger, type LoggerOptions } from './logger.js';
