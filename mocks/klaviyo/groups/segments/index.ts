import { defineGroup } from '../../core/group.ts';
import { route } from '../../core/router.ts';
import {
  createSegment,
  deleteSegment,
  getProfileIdsForSegment,
  getProfilesForSegment,
  getSegment,
  getSegmentIdsForProfile,
  getSegments,
  getSegmentsForProfile,
  updateSegment,
} from './handlers.ts';
import { SegmentsRepo } from './repo.ts';

export const segments = defineGroup({
  name: 'Segments',
  repos: [SegmentsRepo],
  routes: [
    route('GET', '/api/segments', 'get_segments', getSegments),
    route('POST', '/api/segments', 'create_segment', createSegment),
    route('GET', '/api/segments/:id', 'get_segment', getSegment),
    route('PATCH', '/api/segments/:id', 'update_segment', updateSegment),
    route('DELETE', '/api/segments/:id', 'delete_segment', deleteSegment),
    route('GET', '/api/segments/:id/profiles', 'get_profiles_for_segment', getProfilesForSegment),
    route(
      'GET',
      '/api/segments/:id/relationships/profiles',
      'get_profile_ids_for_segment',
      getProfileIdsForSegment,
    ),
    route('GET', '/api/profiles/:id/segments', 'get_segments_for_profile', getSegmentsForProfile),
    route(
      'GET',
      '/api/profiles/:id/relationships/segments',
      'get_segment_ids_for_profile',
      getSegmentIdsForProfile,
    ),
  ],
});
