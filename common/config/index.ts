export { ConfigError, ConfigHelpRequested } from './config-error.js';
export { environmentVariableName } from './environment-source.js';
export { formatHelp, type HelpOptions } from './help.js';
export { loadConfig, loadConfigOrExit, type ExitIo, type LoadConfigOptions } from './load.js';
export { durationMs, sizeBytes } from './unit-schemas.js';
export { formatDurationMs, formatSizeBytes, parseDurationMs, parseSizeBytes } from './units.js';
