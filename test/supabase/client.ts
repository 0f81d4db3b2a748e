/** Test helpers: a supabase-js 2.109 client as a Node 20 app would create it, and fixture data. */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { supabaseKeys } from '../../mocks/supabase/index.ts';

export const keys = supabaseKeys();

export function client(url: string, key: string = keys.service_role_key): SupabaseClient {
  return createClient(url, key, {
    auth: { persistSession: false, autoRefreshToken: false },
    // Node 20 has no global WebSocket; realtime-js 2.109 wants a transport even if no channel is opened.
    realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
  });
}

export interface Family {
  parent: { id: string; email: string };
  children: { id: string; name: string }[];
}

/** Three parents with children and stories, inserted through the client (so inserts are tested too). */
export async function insertFamilies(sb: SupabaseClient): Promise<Family[]> {
  const { data: parents, error } = await sb
    .from('profiles')
    .insert([
      {
        email: 'ada@example.com',
        first_name: 'Ada',
        subscription_tier: 'premium',
        total_stories: 12,
        current_streak: 3,
        story_preferences: ['space', 'dragons'],
        family_mode_enabled: true,
      },
      {
        email: 'bob@example.com',
        first_name: 'Bob',
        subscription_tier: 'free',
        total_stories: 2,
        current_streak: 0,
        story_preferences: ['ocean'],
        family_mode_enabled: false,
      },
      {
        email: 'cy@example.com',
        first_name: null,
        subscription_tier: 'family',
        total_stories: 30,
        current_streak: 7,
        story_preferences: [],
        family_mode_enabled: true,
      },
    ])
    .select('id, email');
  if (error || !parents) throw new Error(`fixture insert failed: ${JSON.stringify(error)}`);
  const [ada, bob, cy] = parents as { id: string; email: string }[];
  const { data: kids, error: kidsError } = await sb
    .from('children')
    .insert([
      { parent_id: ada!.id, name: 'Luna', age_band: '3-5' },
      { parent_id: ada!.id, name: 'luna', age_band: '6-8' },
      { parent_id: cy!.id, name: 'LUNAR', age_band: '9-12' },
      { parent_id: cy!.id, name: 'Max', age_band: null },
    ])
    .select('id, name, parent_id');
  if (kidsError || !kids) throw new Error(`fixture insert failed: ${JSON.stringify(kidsError)}`);
  const { error: storyError } = await sb.from('stories').insert([
    { user_id: ada!.id, child_id: kids[0]!.id, theme: 'space', num_scenes: 5, user_mood: 'calm' },
    { user_id: ada!.id, child_id: null, theme: 'dragons', num_scenes: 3, user_mood: 'excited' },
    { user_id: cy!.id, child_id: kids[3]!.id, theme: 'ocean', num_scenes: 8, user_mood: 'sleepy' },
  ]);
  if (storyError) throw new Error(`fixture insert failed: ${JSON.stringify(storyError)}`);
  const byParent = (id: string) =>
    (kids as { id: string; name: string; parent_id: string }[]).filter((k) => k.parent_id === id);
  return [ada!, bob!, cy!].map((p) => ({ parent: p, children: byParent(p.id) }));
}
