import { describe, expect, it } from 'vitest';
import { eventUuid } from './ids.ts';

describe('eventUuid', () => {
  it('is a version-4-shaped UUID, the same for the same event id and different across ids', () => {
    const a = eventUuid('01JBX000000000000000000000');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(eventUuid('01JBX000000000000000000000')).toBe(a);
    const many = new Set(
      Array.from({ length: 1000 }, (_, i) => eventUuid(`01JBX${String(i).padStart(21, '0')}`)),
    );
    expect(many.size).toBe(1000);
  });
});
