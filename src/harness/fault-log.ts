/**
 * The fault decisions a mock made, kept in bounded memory however long the run: counts per label, a
 * running sha256 of the labels in order (the determinism fingerprint in report.json), and the first
 * HEAD_LIMIT labels for tests and debugging. A 100,000-family run makes millions of decisions; keeping
 * them all was a few hundred MB.
 */
import { createHash, type Hash } from 'node:crypto';

export const HEAD_LIMIT = 10_000;

export interface FaultSummary {
  counts: Record<string, number>;
  /** sha256 of the labels in order, per service and then combined, 16 hex digits. */
  hash: string;
  /** The first labels (every one when there were at most HEAD_LIMIT per service), service by service. */
  head: string[];
  total: number;
}

export class FaultLog {
  private readonly counts: Record<string, number> = {};
  private readonly hash: Hash = createHash('sha256');
  private readonly head: string[] = [];
  private total = 0;

  record(label: string): void {
    this.counts[label] = (this.counts[label] ?? 0) + 1;
    this.hash.update(this.total === 0 ? label : `\n${label}`);
    if (this.head.length < HEAD_LIMIT) this.head.push(label);
    this.total++;
  }

  /** What the log holds so far; it keeps recording after. */
  summary(): FaultSummary {
    return {
      counts: { ...this.counts },
      hash: this.hash.copy().digest('hex').slice(0, 16),
      head: this.head.slice(),
      total: this.total,
    };
  }
}

/** Several services' logs (Klaviyo, Supabase) as one summary, in the order given. */
export function combineFaultSummaries(parts: readonly FaultSummary[]): FaultSummary {
  if (parts.length === 1) return parts[0]!;
  const counts: Record<string, number> = {};
  for (const p of parts) for (const [k, n] of Object.entries(p.counts)) counts[k] = (counts[k] ?? 0) + n;
  return {
    counts,
    hash: createHash('sha256')
      .update(parts.map((p) => p.hash).join('\n'))
      .digest('hex')
      .slice(0, 16),
    head: parts.flatMap((p) => p.head),
    total: parts.reduce((s, p) => s + p.total, 0),
  };
}

/** A finished list of labels as a summary (stacks that read them from a journal). */
export function summariseLabels(labels: readonly string[]): FaultSummary {
  const log = new FaultLog();
  for (const l of labels) log.record(l);
  return log.summary();
}
