/**
 * `kl_unique(profile_seq)`: an SQL aggregate counting distinct profiles, for metric aggregates' `unique`.
 *
 * Why not `COUNT(DISTINCT profile)`: SQLite answers that by inserting every row into a temporary B-tree,
 * which tripled the cost of a 1M-event aggregate. Profiles are small integers (`profiles.seq`), so a
 * typed array of "last group that counted this profile" marks answers the same question in O(1) per
 * row, and the count, sum and unique of a bucket come out of one indexed range scan.
 *
 * The marks only work because SQLite feeds an aggregate one group at a time (GROUP BY sorts first, so
 * groups never interleave); every group gets a fresh epoch when it starts. The array lives only for one
 * `run()` call, so nothing stays allocated between requests.
 */
import type Database from 'better-sqlite3';

/** Above this many profile slots (4 bytes each), fall back to SQL's COUNT(DISTINCT …). */
const MAX_MARKS = 32 * 1024 * 1024;

export class DistinctCounter {
  private marks: Int32Array | null = null;
  private epoch = 0;

  constructor(db: Database.Database) {
    db.aggregate('kl_unique', {
      start: () => {
        this.epoch++;
        return 0;
      },
      step: (count: number, seq: number) => {
        const marks = this.marks;
        if (marks === null) throw new Error('kl_unique() only runs inside DistinctCounter.run()');
        if (marks[seq] === this.epoch) return count;
        marks[seq] = this.epoch;
        return count + 1;
      },
    });
  }

  /** Whether `kl_unique` can count profiles numbered up to `maxSeq` (else use COUNT(DISTINCT …)). */
  fits(maxSeq: number): boolean {
    return maxSeq < MAX_MARKS;
  }

  /** Run `fn` (which executes queries using `kl_unique`) with marks for profile seqs 0..maxSeq. */
  run<T>(maxSeq: number, fn: () => T): T {
    this.marks = new Int32Array(maxSeq + 1);
    this.epoch = 0;
    try {
      return fn();
    } finally {
      this.marks = null;
    }
  }
}
