import { spawn } from 'node:child_process';

/** How a crash-test child process ended. */
export interface CrashChildRun {
  readonly signal: NodeJS.Signals | null;
  readonly code: number | null;
  /** The number on the last progress line (`<word> <n>`) the child printed; 0 if none. */
  readonly lastProgress: number;
  readonly stderr: string;
}

export interface CrashChildOptions {
  /** FAILPOINTS for the child (arm a point with `print` to have a crash writer kill itself there). */
  readonly failpoints?: string;
  /** SIGKILL the child once it printed this many progress lines... */
  readonly killAfterProgress?: number;
  /** ...this many milliseconds later. */
  readonly killDelayMs?: number;
  readonly timeoutMs?: number;
}

/**
 * Runs a crash-test writer script in a child `node`, collecting the progress lines it
 * prints, and kills it with SIGKILL when asked (or when it outlives `timeoutMs`). The
 * parent then reopens the store the child left behind and checks it.
 */
export function runCrashChild(scriptPath: string, args: readonly string[], options: CrashChildOptions = {}): Promise<CrashChildRun> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env['FAILPOINTS'];
    if (options.failpoints !== undefined) env['FAILPOINTS'] = options.failpoints;
    const child = spawn(process.execPath, [scriptPath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let lastProgress = 0;
    let progressLines = 0;
    let pending = '';
    let stderr = '';
    let killScheduled = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const match = /^\w+ (\d+)$/.exec(line);
        if (match === null) continue;
        lastProgress = Number(match[1]);
        progressLines++;
      }
      if (options.killAfterProgress !== undefined && !killScheduled && progressLines >= options.killAfterProgress) {
        killScheduled = true;
        setTimeout(() => child.kill('SIGKILL'), options.killDelayMs ?? 0);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ signal, code, lastProgress, stderr });
    });
  });
}
