/**
 * What `dreamflow-sim up` prints once everything listens, as `supabase start` does: every URL and key a
 * client needs, then the environment block to paste into a shell or `.env` (the variables the
 * integration code reads, docs/integration.md). A Klaviyo key taken from the user's environment is
 * never echoed: the block refers to the variable instead.
 */
import type { SupabaseKeys } from '../../mocks/supabase/index.ts';

export interface UpInfo {
  klaviyoUrl: string;
  /** The key the app uses; `fromEnv` when it came from KLAVIYO_API_KEY. */
  klaviyoKey: { value: string; fromEnv: boolean };
  supabaseUrl: string;
  supabaseKeys: SupabaseKeys;
  appUrl: string;
  /** The offline Klaviyo MCP server's endpoint (Streamable HTTP). */
  mcpUrl?: string;
}

export function upBanner(info: UpInfo): string {
  const key = info.klaviyoKey.fromEnv
    ? '(from KLAVIYO_API_KEY in your environment)'
    : `${info.klaviyoKey.value}  (local key: any pk_… works, each key is its own account)`;
  const rows: [string, string][] = [
    ['Klaviyo API URL', info.klaviyoUrl],
    ['Klaviyo API key', key],
    ['Klaviyo admin', `${info.klaviyoUrl}/__admin/  (requests, state, faults, reset)`],
    ['Supabase URL', info.supabaseUrl],
    ['REST URL', `${info.supabaseUrl}/rest/v1`],
    ['Auth URL', `${info.supabaseUrl}/auth/v1`],
    ['Supabase admin', `${info.supabaseUrl}/__admin/  (requests, state, faults, reset, keys)`],
    ['Inspector', `${info.klaviyoUrl}/__inspector (Klaviyo), ${info.supabaseUrl}/__inspector (Supabase)`],
    ['anon key', info.supabaseKeys.anon_key],
    ['service_role key', info.supabaseKeys.service_role_key],
    ['App URL', `${info.appUrl}  (try: curl ${info.appUrl}/api/v1/demo/klaviyo-integration)`],
    ...(info.mcpUrl
      ? [
          ['Klaviyo MCP URL', `${info.mcpUrl}  (Streamable HTTP; \`mock mcp --stdio\` for stdio)`] as [
            string,
            string,
          ],
        ]
      : []),
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const env: [string, string][] = [
    ['KLAVIYO_BASE_URL', info.klaviyoUrl],
    ['KLAVIYO_API_KEY', info.klaviyoKey.fromEnv ? '"$KLAVIYO_API_KEY"' : info.klaviyoKey.value],
    ['SUPABASE_URL', info.supabaseUrl],
    ['SUPABASE_ANON_KEY', info.supabaseKeys.anon_key],
    ['SUPABASE_SERVICE_ROLE_KEY', info.supabaseKeys.service_role_key],
    ['DREAMFLOW_APP_URL', info.appUrl],
    ...(info.mcpUrl ? [['KLAVIYO_MCP_URL', info.mcpUrl] as [string, string]] : []),
  ];
  return [
    '',
    'dreamflow-sim is up.',
    '',
    ...rows.map(([label, value]) => `  ${label.padStart(width)}: ${value}`),
    '',
    'Environment for a client (paste into a shell or .env):',
    '',
    ...env.map(([name, value]) => `export ${name}=${value}`),
    '',
  ].join('\n');
}
