import { defineGroup } from '../../core/group.ts';
import { route } from '../../core/router.ts';
import { bulkCreateEvents } from './bulk.ts';
import { createEvent, getEvent, getEvents } from './handlers.ts';
import { EventsRepo } from './repo.ts';

export const events = defineGroup({
  name: 'Events',
  repos: [EventsRepo],
  routes: [
    route('GET', '/api/events', 'get_events', getEvents),
    route('POST', '/api/events', 'create_event', createEvent),
    route('GET', '/api/events/:id', 'get_event', getEvent),
    route('POST', '/api/event-bulk-create-jobs', 'bulk_create_events', bulkCreateEvents),
  ],
});
