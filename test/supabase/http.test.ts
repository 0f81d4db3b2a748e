import { VirtualClock } from '../../lib/clock.ts';
import { startSupabaseServer } from '../../mocks/supabase/index.ts';
import { describeSupabase } from './suite.ts';

describeSupabase('HTTP', async () => {
  // A virtual clock that starts at wall time: auth-js checks token expiry against Date.now().
  const clock = new VirtualClock(Date.now());
  const server = await startSupabaseServer({ port: 0, clock });
  return { url: server.url, clock, close: () => server.close() };
});
