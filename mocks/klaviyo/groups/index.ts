/**
 * The registry of emulated API groups. Order matters only for tables: a group comes after the groups
 * whose rows its tables point at (events and list members point at profiles).
 */
import type { ApiGroup } from '../core/group.ts';
import { campaigns } from './campaigns/index.ts';
import { catalogs } from './catalogs/index.ts';
import { events } from './events/index.ts';
import { flows } from './flows/index.ts';
import { lists } from './lists/index.ts';
import { metrics } from './metrics/index.ts';
import { profileJobs } from './profile-jobs/index.ts';
import { profiles } from './profiles/index.ts';
import { reporting } from './reporting/index.ts';
import { segments } from './segments/index.ts';
import { subscriptions } from './subscriptions/index.ts';
import { templates } from './templates/index.ts';
import { webhooks } from './webhooks/index.ts';

export const GROUPS: readonly ApiGroup[] = [
  profiles,
  metrics,
  events,
  lists,
  segments,
  profileJobs,
  subscriptions,
  catalogs,
  webhooks,
  templates,
  campaigns,
  flows,
  reporting,
];
