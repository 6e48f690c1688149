/**
 * A small, honest timing loop: warm up, then run batches until the time budget is
 * spent, and report operations per second from the total.
 */
export interface Measurement {
  readonly name: string;
  readonly operations: number;
  readonly seconds: number;
  readonly opsPerSecond: number;
  readonly nsPerOp: number;
}

export function measure(name: string, batch: () => number, budgetMs = 1_000): Measurement {
  const warmupEnd = performance.now() + Math.min(200, budgetMs / 5);
  while (performance.now() < warmupEnd) batch();
  let operations = 0;
  const start = performance.now();
  let now = start;
  while (now - start < budgetMs) {
    operations += batch();
    now = performance.now();
  }
  const seconds = (now - start) / 1_000;
  return { name, operations, seconds, opsPerSecond: operations / seconds, nsPerOp: (seconds * 1e9) / operations };
}

export function formatMeasurements(title: string, measurements: readonly Measurement[]): string {
  const lines = [title];
  for (const m of measurements) {
    const rate = m.opsPerSecond >= 1e6 ? `${(m.opsPerSecond / 1e6).toFixed(2)}M/s` : `${(m.opsPerSecond / 1e3).toFixed(1)}k/s`;
    lines.push(`  ${m.name.padEnd(48)} ${rate.padStart(10)}  ${m.nsPerOp.toFixed(1).padStart(9)} ns/op`);
  }
  return lines.join('\n');
}
