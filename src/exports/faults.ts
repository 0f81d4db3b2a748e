/**
 * `dreamflow-sim/faults`: the seeded fault layer both mocks share (latency, HTTP errors, 429 bursts,
 * resets, hangs, outages). Pass `createFaultInjector({ profile: 'flaky', seed: 42 })` as `faults` to
 * `createKlaviyoMock` / `createSupabaseMock`.
 */
export {
  createFaultInjector,
  FaultConfigError,
  type FaultDocument,
  type FaultLayer,
  type FaultLayerOptions,
  type FaultRule,
  listFaultProfiles,
  loadFaultProfile,
  parseFaultDocument,
} from '../../mocks/faults/index.ts';
