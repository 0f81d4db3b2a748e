/**
 * Values between the wire (JSON bodies, filter strings) and SQLite, typed by the column's Postgres type.
 * Bad input fails with 22P02 as Postgres would, before it reaches SQL; SQLite only ever sees bound
 * parameters of the right shape (numbers, 0/1, ISO strings, JSON text).
 */
import type { ColumnInfo, PgType } from '../store/schema.ts';
import { pgrst } from './errors.ts';

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const TYPE_NAME: Record<PgType, string> = {
  uuid: 'uuid',
  text: 'text',
  integer: 'integer',
  numeric: 'numeric',
  boolean: 'boolean',
  jsonb: 'json',
  timestamptz: 'timestamp with time zone',
};

/** A JSON body value → the SQLite parameter for `col`. */
export function fromJson(col: ColumnInfo, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (col.type === 'jsonb') return JSON.stringify(value);
  if (typeof value === 'object') {
    if (col.type === 'text') return JSON.stringify(value);
    throw pgrst.invalidInput(TYPE_NAME[col.type], JSON.stringify(value));
  }
  return fromText(col, String(value), value);
}

/** A filter / body scalar as text → the SQLite parameter for `col`. */
export function fromText(col: ColumnInfo, text: string, original: unknown = text): unknown {
  switch (col.type) {
    case 'text':
      return text;
    case 'uuid': {
      if (!UUID.test(text)) throw pgrst.invalidInput('uuid', original);
      const hex = text.replace(/-/g, '').toLowerCase();
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }
    case 'integer': {
      if (!/^\s*[-+]?\d+\s*$/.test(text)) throw pgrst.invalidInput('integer', original);
      const n = Number(text);
      if (!Number.isSafeInteger(n)) throw pgrst.invalidInput('integer', original);
      return n;
    }
    case 'numeric': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw pgrst.invalidInput('numeric', original);
      return n;
    }
    case 'boolean': {
      const t = text.trim().toLowerCase();
      if (['true', 't', 'yes', 'y', 'on', '1'].includes(t)) return 1;
      if (['false', 'f', 'no', 'n', 'off', '0'].includes(t)) return 0;
      throw pgrst.invalidInput('boolean', original);
    }
    case 'timestamptz': {
      // Dates without a zone are UTC here (the fake's server time zone); output is always ISO 8601 UTC.
      const normalised = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text;
      const ms = Date.parse(normalised.includes(' ') ? normalised.replace(' ', 'T') : normalised);
      if (Number.isNaN(ms)) throw pgrst.invalidInput('timestamp with time zone', original);
      return new Date(ms).toISOString();
    }
    case 'jsonb': {
      try {
        return JSON.stringify(JSON.parse(text));
      } catch {
        throw pgrst.invalidInput('json', original);
      }
    }
  }
}

/** A SQLite value → its JSON rendering for `col`. */
export function toJson(col: ColumnInfo | undefined, raw: unknown): unknown {
  if (raw === null || raw === undefined) return null;
  if (!col) return raw;
  switch (col.type) {
    case 'boolean':
      return raw === 1 || raw === '1' || raw === true;
    case 'jsonb':
      try {
        return typeof raw === 'string' ? JSON.parse(raw) : raw;
      } catch {
        return raw;
      }
    case 'integer':
    case 'numeric':
      return typeof raw === 'bigint' ? Number(raw) : raw;
    default:
      return typeof raw === 'string' ? raw : String(raw);
  }
}
