/**
 * The report `filter` string: `equals(field,"v")` or `contains-any(field,["a","b"])` conditions,
 * joined by `and(...)` or commas (Klaviyo accepts only AND). Fields are the groupings a message has:
 * campaign_id, campaign_message_id, send_channel by default (a flow report passes its own). Problems
 * are 400s pointing at the filter.
 */
import { invalidBody } from '../../jsonapi/errors.ts';

export const FILTER_FIELDS = ['campaign_id', 'campaign_message_id', 'send_channel'] as const;
export type ReportFilter = { field: string; values: Set<string> }[];

const POINTER = '/data/attributes/filter';
const CONDITION = /^\s*(equals|contains-any)\(\s*([a-z_]+)\s*,\s*(.+?)\s*\)\s*$/;

/** Split on commas outside parentheses, brackets and quotes. */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

function strings(text: string, op: string): string[] {
  const list = text.startsWith('[') && text.endsWith(']');
  if (op === 'equals' && list)
    throw invalidBody(POINTER, 'equals takes one value; use contains-any for a list.');
  if (op === 'contains-any' && !list)
    throw invalidBody(POINTER, 'contains-any takes a list, e.g. ["a","b"].');
  const items = list ? splitTop(text.slice(1, -1)) : [text];
  return items.map((item) => {
    const m = /^(["'])(.*)\1$/.exec(item);
    if (!m) throw invalidBody(POINTER, `Filter values are quoted strings; got ${item}.`);
    return m[2]!;
  });
}

export function parseReportFilter(
  text: string | null | undefined,
  fields: readonly string[] = FILTER_FIELDS,
): ReportFilter {
  if (!text) return [];
  let body = text.trim();
  const and = /^and\((.*)\)$/s.exec(body);
  if (and) body = and[1]!;
  if (/^(or|not)\(/.test(body))
    throw invalidBody(POINTER, 'Report filters can only be joined with and(...).');
  return splitTop(body).map((part) => {
    const m = CONDITION.exec(part);
    if (!m) {
      throw invalidBody(
        POINTER,
        `Invalid filter condition '${part}': use equals(field,"value") or contains-any(field,["a","b"]).`,
      );
    }
    const field = m[2]!;
    if (!fields.includes(field)) {
      throw invalidBody(
        POINTER,
        `'${field}' is not a filter field here. Allowed fields: ${fields.join(', ')}.`,
      );
    }
    return { field, values: new Set(strings(m[3]!, m[1]!)) };
  });
}
