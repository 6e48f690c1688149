import { readFileSync } from 'node:fs';

/** CPU seconds a process has used so far, split as the kernel accounts it. */
export interface CpuSeconds {
  readonly user: number;
  readonly system: number;
}

/** CPU time of a live process and all its threads, from /proc (Linux). */
export function processCpu(pid: number): CpuSeconds {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100;
  return { user: Number(fields[11]) / ticksPerSecond, system: Number(fields[12]) / ticksPerSecond };
}

export function processCpuSeconds(pid: number): number {
  const cpu = processCpu(pid);
  return cpu.user + cpu.system;
}

/** CPU time of several processes together. */
export function totalCpu(pids: readonly number[]): CpuSeconds {
  return pids.map(processCpu).reduce((sum, cpu) => ({ user: sum.user + cpu.user, system: sum.system + cpu.system }), { user: 0, system: 0 });
}
