/**
 * A configuration that cannot be used: an unknown key or flag, a value of the wrong type
 * or out of range, an unreadable file. Each problem names where the value came from (file
 * and line, flag, environment variable), the key, what was expected and what was given:
 *
 *   config error: [raftstore] unknown key "electon-timeout-ticks" in data/kv.toml:3; did you mean "election-timeout-ticks"?
 *   config error: --port: expected an integer between 0 and 65535, got "abc"
 *
 * All problems found are reported at once, one per line.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly string[]) {
    super(problems.map((problem) => `config error: ${problem}`).join('\n'));
  }
}

/**
 * Thrown by `loadConfig` when the command line asks for `--help` / `-h`, carrying the help
 * text; a process prints it and exits 0 (`loadConfigOrExit` does exactly that).
 */
export class ConfigHelpRequested extends Error {
  override readonly name = 'ConfigHelpRequested';

  constructor(readonly helpText: string) {
    super('help requested');
  }
}
