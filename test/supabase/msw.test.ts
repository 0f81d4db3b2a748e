import { setupServer } from 'msw/node';
import { VirtualClock } from '../../lib/clock.ts';
import { createSupabaseMock, supabaseHandlers } from '../../mocks/supabase/index.ts';
import { describeSupabase } from './suite.ts';

describeSupabase('in-process msw', async () => {
  const clock = new VirtualClock(Date.now());
  const service = createSupabaseMock({ clock });
  const server = setupServer(...supabaseHandlers({ service }));
  server.listen({ onUnhandledRequest: 'error' });
  return {
    url: 'http://supabase.local',
    clock,
    close: async () => {
      server.close();
      service.close();
    },
  };
});
