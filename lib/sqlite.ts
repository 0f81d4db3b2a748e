/**
 * SQL fragments for a LIMIT / OFFSET bound at run time, written so SQLite does not recompile the
 * statement on every run.
 *
 * Why: when a LIMIT or OFFSET is a bare host parameter (`LIMIT ?`), SQLite's query planner reads the
 * bound value, and a statement whose plan depends on a bound value is marked to be re-prepared each time
 * a new value is bound. better-sqlite3 binds on every call, so every call recompiled the statement: an
 * empty indexed outbox query took 17–21 µs with `LIMIT ?` and 1.2 µs with `LIMIT CAST(? AS INTEGER)`
 * (SQLite 3.53); the outbox asked it ~46 times per family of a harness run. A CAST is an expression the
 * planner does not look into. A negative limit still means "no limit".
 *
 * @example
 * db.prepare(`SELECT * FROM outbox ORDER BY id ${LIMIT_PARAM}`).all(100);
 */
export const LIMIT_PARAM = 'LIMIT CAST(? AS INTEGER)';
export const OFFSET_PARAM = 'OFFSET CAST(? AS INTEGER)';
