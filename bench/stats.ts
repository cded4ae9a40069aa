/** Nearest-rank percentile of latencies in milliseconds (0 when there are none). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export type ResultStatus = 'ok' | 'not implemented yet' | 'skipped' | 'error';

/** One workload on one server at one concurrency. */
export interface WorkloadResult {
  workload: string;
  side: 'ewsd' | 'dovecot' | 'ews-floor' | 'sqlite';
  concurrency: number;
  status: ResultStatus;
  note?: string;
  /** Messages handled (stored, listed, fetched, flagged, reported changed, deleted). */
  messages: number;
  requests: number;
  itemsPerRequest: number;
  seconds: number;
  messagesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuSeconds: number;
  serverPeakRssBytes: number;
  clientCpuSeconds: number;
  /** Item data moved (export/upload workloads): bytes of the item streams, and their rate. */
  bytes?: number;
  megabytesPerSecond?: number;
  /** How many runs this figure is the median of (absent: one run). */
  runs?: number;
}

export function emptyResult(workload: string, side: WorkloadResult['side'], concurrency: number, itemsPerRequest: number): WorkloadResult {
  return {
    workload, side, concurrency, status: 'ok', messages: 0, requests: 0, itemsPerRequest, seconds: 0,
    messagesPerSecond: 0, p50Ms: 0, p99Ms: 0, serverCpuSeconds: 0, serverPeakRssBytes: 0, clientCpuSeconds: 0,
  };
}
