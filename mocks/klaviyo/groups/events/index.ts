import { defineGroup } from '../../core/group.ts';
import { route } from '../../core/router.ts';
import { createEvent, getEvent, getEvents } from './handlers.ts';
import { EventsRepo } from './repo.ts';

export const events = defineGroup({
  name: 'Events',
  repos: [EventsRepo],
  routes: [
    route('GET', '/api/events', 'get_events', getEvents),
    route('POST', '/api/events', 'create_event', createEvent),
    route('GET', '/api/events/:id', 'get_event', getEvent),
  ],
});
