// Compiles only if ringsock/metrics is typed against prom-client: register() takes a Registry
// (or nothing) and a prefix, and nothing else.
import metrics = require('../../dist/metrics');
import { Registry, openMetricsContentType } from 'prom-client';

const registry = new Registry();
metrics.register(registry, { prefix: 'app_' });
metrics.register();
// An OpenMetrics registry is a registry too.
metrics.register(new Registry<typeof openMetricsContentType>());
// @ts-expect-error not a registry
metrics.register('registry');
// @ts-expect-error the prefix is a string
metrics.register(registry, { prefix: 1 });
