import { describe, expect, it } from 'vitest';
import { djangoDate, renderTemplate, TemplateSyntaxError } from './render.ts';

describe('template rendering (Django subset)', () => {
  it('formats dates with Django letters, in UTC, and prints nothing for a non-date', () => {
    const d = '2026-03-05T09:07:03Z';
    expect(djangoDate(d, 'Y-m-d H:i:s')).toBe('2026-03-05 09:07:03');
    expect(djangoDate(d, 'D, j M y g:i A')).toBe('Thu, 5 Mar 26 9:07 AM');
    expect(djangoDate(d, 'l F jS')).toBe('Thursday March 5th');
    expect(djangoDate('2026-03-22T00:00:00Z', 'jS')).toBe('22nd');
    expect(djangoDate('2026-03-12T00:00:00Z', 'jS')).toBe('12th');
    expect(djangoDate(d, '\\Y\\e\\a\\r: Y')).toBe('Year: 2026');
    expect(djangoDate(Date.UTC(2026, 0, 2) / 1000, 'd/m')).toBe('02/01');
    expect(djangoDate('not a date', 'Y')).toBe('');
    expect(renderTemplate('{{ when|date:"N j" }}', { when: d })).toBe('Mar 5');
  });

  it('reads nested values, lookup and default, and leaves missing ones empty', () => {
    const ctx = {
      person: { first_name: 'Ada', 'Favourite Story': 'Moon Fox' },
      event: { items: ['a', 'b'] },
    };
    expect(renderTemplate("{{ person|lookup:'Favourite Story' }}", ctx)).toBe('Moon Fox');
    expect(renderTemplate('{{ person.last_name|default:"reader" }}', ctx)).toBe('reader');
    expect(renderTemplate('{{ event.items.size }}-{{ nothing.here }}-', ctx)).toBe('2--');
    expect(renderTemplate('{% for i in event.items %}{{ i }}{% endfor %}', ctx)).toBe('ab');
  });

  it('refuses unknown tags and filters as syntax errors', () => {
    expect(() => renderTemplate('{% unsubscribe %}', {})).toThrow(TemplateSyntaxError);
    expect(() => renderTemplate('{{ x|titlecase }}', {})).toThrow(TemplateSyntaxError);
    expect(() => renderTemplate('{% if x %}open', {})).toThrow(TemplateSyntaxError);
  });
});
