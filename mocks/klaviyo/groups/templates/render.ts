/**
 * Rendering Klaviyo templates: the Django-style subset Klaviyo documents (`{{ var }}` with dot notation,
 * missing values print nothing, `|default:'x'`, `|date:'Y-m-d'`, `|lookup:'Prop'`, `{% if %}` /
 * `{% elif %}` / `{% else %}`, `{% for x in xs %}…{% empty %}…{% endfor %}`), run by liquidjs rather
 * than a hand-written engine. Liquid already reads Django's `name:arg` filter syntax and treats missing
 * variables as empty; the differences are bridged here: `elif` and `empty` are rewritten to Liquid's
 * `elsif` and `else`, `date` takes Django's format letters instead of strftime, `lookup` is added.
 * Anything Liquid cannot parse becomes a `TemplateSyntaxError` (the handler answers 400).
 */
import { Liquid } from 'liquidjs';

export class TemplateSyntaxError extends Error {}

/** Bounds so a pathological template cannot stall the mock (Klaviyo's own limits are not documented). */
const LIMITS = { parseLimit: 1_000_000, renderLimit: 2_000, memoryLimit: 10_000_000 };

const engine = new Liquid({
  ...LIMITS,
  // Templates never read files: `{% include %}` / `{% render %}` fail instead of touching the disk.
  fs: {
    exists: async () => false,
    existsSync: () => false,
    readFile: async (f: string) => Promise.reject(new Error(`no includes: ${f}`)),
    readFileSync: (f: string) => {
      throw new Error(`no includes: ${f}`);
    },
    resolve: (_root: string, file: string) => file,
  },
  relativeReference: false,
  ownPropertyOnly: true,
  // Django refuses an unknown filter when the template is compiled; so does Klaviyo's renderer.
  strictFilters: true,
});

engine.registerFilter('date', (value: unknown, format = 'N j, Y') => djangoDate(value, String(format)));
engine.registerFilter('lookup', (value: unknown, key: unknown) =>
  value && typeof value === 'object' ? (value as Record<string, unknown>)[String(key)] : undefined,
);

/** Django spellings Liquid does not know, rewritten inside `{% … %}` tags only. */
function toLiquid(source: string): string {
  return source.replace(/\{%-?\s*(elif|empty)\b/g, (tag, word: string) =>
    tag.replace(word, word === 'elif' ? 'elsif' : 'else'),
  );
}

export function renderTemplate(source: string, context: Record<string, unknown>): string {
  let parsed: ReturnType<Liquid['parse']>;
  try {
    parsed = engine.parse(toLiquid(source));
  } catch (err) {
    throw new TemplateSyntaxError((err as Error).message);
  }
  try {
    return engine.renderSync(parsed, context) as string;
  } catch (err) {
    throw new TemplateSyntaxError((err as Error).message);
  }
}

/** Check a template parses (create / update refuse what could never render). */
export function checkTemplate(source: string): void {
  try {
    engine.parse(toLiquid(source));
  } catch (err) {
    throw new TemplateSyntaxError((err as Error).message);
  }
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Django's `S`: the English ordinal suffix of a day of the month. */
function ordinal(day: number): string {
  if (day >= 11 && day <= 13) return 'th';
  return ['th', 'st', 'nd', 'rd'][day % 10] ?? 'th';
}

/** Django's `date` filter letters (the common ones), in UTC; a value that is not a date prints nothing. */
export function djangoDate(value: unknown, format: string): string {
  const d =
    value instanceof Date
      ? value
      : typeof value === 'number'
        ? new Date(value < 1e12 ? value * 1000 : value)
        : typeof value === 'string' && value !== ''
          ? new Date(value)
          : null;
  if (!d || Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  const h12 = d.getUTCHours() % 12 || 12;
  const letters: Record<string, () => string> = {
    d: () => pad(d.getUTCDate()),
    j: () => String(d.getUTCDate()),
    S: () => ordinal(d.getUTCDate()),
    D: () => DAYS[d.getUTCDay()]!.slice(0, 3),
    l: () => DAYS[d.getUTCDay()]!,
    m: () => pad(d.getUTCMonth() + 1),
    n: () => String(d.getUTCMonth() + 1),
    M: () => MONTHS[d.getUTCMonth()]!.slice(0, 3),
    N: () => MONTHS[d.getUTCMonth()]!.slice(0, 3),
    F: () => MONTHS[d.getUTCMonth()]!,
    y: () => pad(d.getUTCFullYear() % 100),
    Y: () => String(d.getUTCFullYear()),
    H: () => pad(d.getUTCHours()),
    G: () => String(d.getUTCHours()),
    h: () => pad(h12),
    g: () => String(h12),
    i: () => pad(d.getUTCMinutes()),
    s: () => pad(d.getUTCSeconds()),
    A: () => (d.getUTCHours() < 12 ? 'AM' : 'PM'),
    a: () => (d.getUTCHours() < 12 ? 'a.m.' : 'p.m.'),
  };
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch === '\\' && i + 1 < format.length) out += format[++i];
    else out += letters[ch]?.() ?? ch;
  }
  return out;
}
