/**
 * The Klaviyo inspector's JSON admin routes (`GET /__admin/inspector/…`), read-only, behind the admin
 * API's access rules (open on loopback, bearer token beyond). The page in mocks/shared/inspector/ reads
 * them; scripts may too. Every view but `accounts` takes `?account=<label>` (from `accounts`).
 */
import { jsonReply, type MockRequest, type MockResponse } from '../../shared/http.ts';
import type { KlaviyoStore } from '../core/store.ts';
import { InspectorQueries } from './queries.ts';

type AdminRoute = (req: MockRequest) => MockResponse;

export function inspectorRoutes(store: KlaviyoStore, beforeRead: () => void): Record<string, AdminRoute> {
  const q = new InspectorQueries(store);
  // Due scheduler work (campaign sends, webhook retries) lands first, as it does for `GET state`.
  const view =
    (fn: (account: string, req: MockRequest) => unknown): AdminRoute =>
    (req) => {
      const account = req.query.get('account');
      if (!account) {
        return jsonReply(400, {
          error:
            'account is required: one of the labels GET /__admin/inspector/accounts lists, e.g. ?account=3f2a…',
          field: 'account',
        });
      }
      beforeRead();
      const out = fn(account, req);
      return out === null
        ? jsonReply(404, { error: `No such record in account ${account}.`, field: 'id' })
        : jsonReply(200, out);
    };
  return {
    'GET inspector/accounts': () => {
      beforeRead();
      return jsonReply(200, { accounts: q.accounts() });
    },
    'GET inspector/metrics': view((a) => q.metrics(a)),
    'GET inspector/profiles': view((a, req) => ({
      profiles: q.profiles(a, req.query.get('search')?.trim() ?? ''),
    })),
    'GET inspector/profile': view((a, req) => q.profile(a, req.query.get('id') ?? '')),
    'GET inspector/audiences': view((a) => q.audiences(a)),
    'GET inspector/messaging': view((a) => q.messaging(a)),
    'GET inspector/catalog': view((a) => q.catalog(a)),
    'GET inspector/webhooks': view((a) => q.webhooks(a)),
  };
}
