/** The request journal behind `GET /__admin/requests`: a fixed-size ring buffer, oldest first. */
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
  /** How the answer was made when not by the emulated API's own rules: `generic` (spec-built), from the
   * core's `x-dreamflow-emulation` response header. */
  emulation?: string;
}

const MAX_BODY = 8 * 1024;

export class RequestJournal {
  // A ring rather than push + splice: once full, dropping the oldest entry must not cost O(n) per
  // request (it showed up as ~15 % of CPU in the create-event profile).
  private readonly ring: (JournalEntry | undefined)[];
  private next = 0;
  private size = 0;
  private seq = 0;

  constructor(capacity = 10_000) {
    this.ring = new Array(Math.max(1, capacity));
  }

  record(entry: Omit<JournalEntry, 'seq'>): JournalEntry {
    // The caller's fresh object becomes the entry (no copy per request).
    const full = entry as JournalEntry;
    full.seq = ++this.seq;
    const body = entry.requestBody;
    if (body && body.length > MAX_BODY) full.requestBody = `${body.slice(0, MAX_BODY)}…`;
    this.ring[this.next] = full;
    this.next = (this.next + 1) % this.ring.length;
    if (this.size < this.ring.length) this.size++;
    return full;
  }

  /** Entries with `seq > since`, at most `limit` of the newest, oldest first. */
  list(options: { since?: number; limit?: number } = {}): JournalEntry[] {
    const start = (this.next - this.size + this.ring.length) % this.ring.length;
    const out: JournalEntry[] = [];
    for (let i = 0; i < this.size; i++) {
      const e = this.ring[(start + i) % this.ring.length]!;
      if (options.since === undefined || e.seq > options.since) out.push(e);
    }
    return options.limit !== undefined && out.length > options.limit
      ? out.slice(out.length - options.limit)
      : out;
  }

  /** Requests seen since start or the last clear (including those the ring no longer holds). */
  get total(): number {
    return this.seq;
  }

  clear(): void {
    this.ring.fill(undefined);
    this.next = 0;
    this.size = 0;
  }
}
