/**
 * The inspector's campaigns view after a real send over HTTP (virtual clock): recipients, opens, clicks
 * and unsubscribes per campaign equal the profiles the API's email events name for its message.
 */
import { expect, it } from 'vitest';
import {
  draftCampaign,
  eventsOf,
  journeyOverHttp,
  listOf,
  metricIds,
} from '../../../test/klaviyo/campaign-helpers.ts';
import { useKlaviyoContract } from '../../../test/support/klaviyo-contract.ts';
import { DELIVERY_MS, PREPARE_MS } from '../groups/campaigns/send.ts';

const contract = useKlaviyoContract();
const START = Date.UTC(2026, 5, 1, 9);

it('counts recipients and engagement per campaign from the email events it recorded', async () => {
  await journeyOverHttp(
    contract,
    {
      start: START,
      seed: 5,
      key: 'pk_inspector_campaigns',
      engagement: { openRate: 0.6, clickRate: 0.5, unsubscribeRate: 0.5 },
    },
    async (api, clock) => {
      const emails = Array.from({ length: 6 }, (_, i) => `reader${i}@inspector.test`);
      const { list } = await listOf(api, 'Readers', emails);
      const campaign = await draftCampaign(api, { name: 'Weekly stories', included: [list] });
      await api.campaigns.sendCampaign({ data: { type: 'campaign-send-job', id: campaign.id } } as never);
      clock.advance(PREPARE_MS + DELIVERY_MS + 86_400_000);

      const metrics = await metricIds(api);
      const profilesOf = async (name: string) =>
        new Set(
          (await eventsOf(api, metrics[name]))
            .filter(
              (e: { properties: Record<string, unknown> }) => e.properties.$message === campaign.message,
            )
            .map((e: { profile: string }) => e.profile),
        ).size;
      const base = api.campaigns.basePath;
      const accounts = (await (await fetch(`${base}/__admin/inspector/accounts`)).json()) as {
        accounts: { account: string }[];
      };
      const view = (await (
        await fetch(`${base}/__admin/inspector/messaging?account=${accounts.accounts[0]!.account}`)
      ).json()) as { campaigns: Record<string, unknown>[]; flows: unknown[] };
      expect(view.flows).toEqual([]);
      expect(view.campaigns).toEqual([
        expect.objectContaining({
          id: campaign.id,
          name: 'Weekly stories',
          status: 'Sent',
          recipients: 6,
          opens: await profilesOf('Opened Email'),
          clicks: await profilesOf('Clicked Email'),
          unsubscribes: await profilesOf('Unsubscribed'),
        }),
      ]);
      // The seeded engagement model must have produced opens for the comparison to mean much.
      expect(view.campaigns[0]!.opens).toBeGreaterThan(0);
    },
  );
});
