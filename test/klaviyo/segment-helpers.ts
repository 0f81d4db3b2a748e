/**
 * Helpers for the segments group's tests (mocks/klaviyo/groups/segments): the official SDK's API
 * classes on a key, segment bodies written in wire names, and condition builders.
 */
import {
  ApiKeySession,
  EventsApi,
  ListsApi,
  MetricsApi,
  ProfilesApi,
  RetryWithExponentialBackoff,
  SegmentsApi,
} from 'klaviyo-api';

export const prop = (name: string, filter: Record<string, unknown>) => ({
  type: 'profile-property',
  property: `properties['${name}']`,
  filter,
});
export const num = (operator: string, value: number) => ({ type: 'numeric', operator, value });
export const and = (...conditions: Record<string, unknown>[]) => ({
  condition_groups: conditions.map((c) => ({ conditions: [c] })),
});

/** The SDK's models take camelCase names and write snake_case on the wire; tests think in wire names. */
export function sdkShape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sdkShape);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [
      k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
      sdkShape(x),
    ]),
  );
}

export function segmentBody(attributes: Record<string, unknown>, id?: string): any {
  return { data: { type: 'segment', ...(id ? { id } : {}), attributes: sdkShape(attributes) } };
}

export function apis(key: string, basePath?: string) {
  const session = new ApiKeySession(key, new RetryWithExponentialBackoff({ numRetries: 0 }));
  const all = {
    segments: new SegmentsApi(session),
    profiles: new ProfilesApi(session),
    events: new EventsApi(session),
    lists: new ListsApi(session),
    metrics: new MetricsApi(session),
  };
  if (basePath) for (const api of Object.values(all)) api.basePath = basePath;
  return all;
}

export type Apis = ReturnType<typeof apis>;

export async function memberEmails(api: Apis, id: string): Promise<string[]> {
  const r = await api.segments.getProfilesForSegment(id);
  return r.response.data.data.map((p: any) => p.attributes.email).sort();
}
