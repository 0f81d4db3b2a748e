/**
 * Integration settings, read from the environment as a real deployment would and overridable in code
 * (the harness and `dreamflow-sim up` pass explicit values instead of mutating process.env).
 */

export interface IntegrationConfig {
  /** Klaviyo private API key; empty → the Klaviyo integration is disabled (every call returns false). */
  klaviyoApiKey: string;
  /** Klaviyo API origin (no trailing slash). */
  klaviyoBaseUrl: string;
  supabaseUrl: string;
  supabaseAnonKey: string;
  supabaseServiceRoleKey: string;
  /** Optional MCP server endpoint (JSON-RPC over HTTP); unset → the MCP adapter runs its fallback logic. */
  klaviyoMcpUrl: string;
}

export const DEFAULT_KLAVIYO_BASE_URL = 'https://a.klaviyo.com';

/** The key `dreamflow-sim up` uses when KLAVIYO_API_KEY is unset (the mock accepts any well-formed key). */
export const LOCAL_KLAVIYO_KEY = 'pk_dreamflow_local_key';

export function loadConfig(
  overrides: Partial<IntegrationConfig> = {},
  env: Record<string, string | undefined> = process.env,
): IntegrationConfig {
  const pick = (key: keyof IntegrationConfig, name: string, fallback = ''): string => {
    const fromCode = overrides[key];
    if (fromCode !== undefined) return fromCode;
    const fromEnv = env[name];
    return fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv.trim() : fallback;
  };
  return {
    klaviyoApiKey: pick('klaviyoApiKey', 'KLAVIYO_API_KEY'),
    klaviyoBaseUrl: stripSlash(pick('klaviyoBaseUrl', 'KLAVIYO_BASE_URL', DEFAULT_KLAVIYO_BASE_URL)),
    supabaseUrl: stripSlash(pick('supabaseUrl', 'SUPABASE_URL')),
    supabaseAnonKey: pick('supabaseAnonKey', 'SUPABASE_ANON_KEY'),
    supabaseServiceRoleKey: pick('supabaseServiceRoleKey', 'SUPABASE_SERVICE_ROLE_KEY'),
    klaviyoMcpUrl: pick('klaviyoMcpUrl', 'KLAVIYO_MCP_URL'),
  };
}

/** Throw one message listing every missing Supabase setting and how to get them. */
export function assertSupabaseConfigured(config: IntegrationConfig): void {
  const missing: string[] = [];
  if (!config.supabaseUrl) missing.push('SUPABASE_URL');
  if (!config.supabaseAnonKey) missing.push('SUPABASE_ANON_KEY');
  if (!config.supabaseServiceRoleKey) missing.push('SUPABASE_SERVICE_ROLE_KEY');
  if (missing.length > 0) {
    throw new Error(
      `Missing ${missing.join(', ')}. Start the fake with \`dreamflow-sim mock supabase\` and export the URL and ` +
        'keys it prints, or run `dreamflow-sim up`, which wires everything together.',
    );
  }
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
