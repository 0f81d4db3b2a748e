/** The request journal behind `GET /__admin/requests`: a bounded ring buffer, newest last. */
export interface JournalEntry {
  seq: number;
  /** Clock time (ms since epoch) the request arrived. */
  at: number;
  method: string;
  path: string;
  /** The emulated operation, e.g. `create_event`, when the core can name it. */
  operation?: string;
  status: number | null;
  /** The mock's own processing time, ms. */
  latencyMs: number;
  /** Latency added by the fault layer, ms (reported apart from processing time). */
  injectedLatencyMs: number;
  /** The fault applied, e.g. `error:503` or `network:reset`; null when none. */
  fault: string | null;
  /** The request body as received (truncated to 8 KiB) so tests can assert what a client sent. */
  requestBody?: string;
  /** An account label (a short hash of the API key), never the key itself. */
  account?: string;
}

const MAX_BODY = 8 * 1024;

export class RequestJournal {
  private entries: JournalEntry[] = [];
  private seq = 0;
  constructor(private readonly capacity = 10_000) {}

  record(entry: Omit<JournalEntry, 'seq'>): JournalEntry {
    const full: JournalEntry = {
      ...entry,
      seq: ++this.seq,
      requestBody:
        entry.requestBody && entry.requestBody.length > MAX_BODY
          ? `${entry.requestBody.slice(0, MAX_BODY)}…`
          : entry.requestBody,
    };
    this.entries.push(full);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    return full;
  }

  /** Entries with `seq > since`, at most `limit` of the newest. */
  list(options: { since?: number; limit?: number } = {}): JournalEntry[] {
    let out = options.since ? this.entries.filter((e) => e.seq > options.since!) : this.entries;
    if (options.limit !== undefined && out.length > options.limit) out = out.slice(out.length - options.limit);
    return out.slice();
  }

  get total(): number {
    return this.seq;
  }

  clear(): void {
    this.entries = [];
  }
}
