import { defineGroup } from '../../core/group.ts';
import { route } from '../../core/router.ts';
import { queryMetricAggregates } from './aggregates.ts';
import { getMetric, getMetrics } from './handlers.ts';
import { MetricsRepo } from './repo.ts';

export const metrics = defineGroup({
  name: 'Metrics',
  repos: [MetricsRepo],
  routes: [
    route('GET', '/api/metrics', 'get_metrics', getMetrics),
    route('GET', '/api/metrics/:id', 'get_metric', getMetric),
    route('POST', '/api/metric-aggregates', 'query_metric_aggregates', queryMetricAggregates),
  ],
});
