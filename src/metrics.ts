// `ringsock/metrics`: ringsock's stats() as Prometheus metrics through prom-client, an optional
// peer dependency. Nothing is counted twice: each scrape reads one stats() snapshot
// (docs/STATS.md) and sets every metric from it (names and values: metrics-samples.ts).
import type { Registry } from 'prom-client';
import { stats } from './index';
import { METRICS, samples, type Sample } from './metrics-samples';

type PromClient = typeof import('prom-client');

function loadPromClient(): PromClient {
  try {
    return require('prom-client') as PromClient;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code !== 'MODULE_NOT_FOUND' || !e.message.includes("'prom-client'")) throw err;
    const missing: NodeJS.ErrnoException = new Error(
      'ringsock/metrics needs prom-client, which is not installed: npm install prom-client', { cause: err });
    missing.code = 'MODULE_NOT_FOUND';
    throw missing;
  }
}

const prom = loadPromClient();

/** What register() needs of a prom-client Registry, whatever its content type. */
export type MetricsRegistry = Pick<Registry, 'registerMetric' | 'getSingleMetric'>;

export interface MetricsOptions {
  /** Put before every metric name; default 'ringsock_'. */
  prefix?: string;
}

// One snapshot per scrape: prom-client asks every metric synchronously within one
// registry.metrics() call, so the snapshot lives until the next microtask checkpoint.
let snapshot: Map<string, Sample[]> | undefined;
function current(name: string): Sample[] {
  if (!snapshot) {
    snapshot = samples(stats());
    queueMicrotask(() => { snapshot = undefined; });
  }
  return snapshot.get(name) ?? [];
}

function invalidArg(name: string, expected: string, got: unknown): TypeError {
  const err: NodeJS.ErrnoException = new TypeError(
    `The "${name}" argument must be ${expected}. Received ${got === null ? 'null' : typeof got}`);
  err.code = 'ERR_INVALID_ARG_TYPE';
  return err;
}

/**
 * Registers ringsock's metrics on `registry` (prom-client's default registry if omitted);
 * their values are read from stats() when the registry is scraped. Throws if they are already
 * registered there with the same prefix.
 */
export function register(registry: MetricsRegistry = prom.register, options: MetricsOptions = {}): void {
  if (typeof registry !== 'object' || registry === null || typeof registry.registerMetric !== 'function') {
    throw invalidArg('registry', 'a prom-client Registry', registry);
  }
  if (typeof options !== 'object' || options === null) throw invalidArg('options', 'of type object', options);
  const prefix = options.prefix ?? 'ringsock_';
  if (typeof prefix !== 'string') throw invalidArg('options.prefix', 'of type string', prefix);
  if (registry.getSingleMetric(`${prefix}sockets`)) {
    throw new Error(`ringsock metrics are already registered on this registry (prefix '${prefix}')`);
  }
  const created = METRICS.map((spec) => {
    const config = { name: prefix + spec.name, help: spec.help, labelNames: [...spec.labelNames], registers: [] };
    if (spec.kind === 'counter') {
      return new prom.Counter({
        ...config,
        collect() {
          this.reset();
          for (const s of current(spec.name)) this.inc(s.labels, s.value);
        },
      });
    }
    return new prom.Gauge({
      ...config,
      collect() {
        this.reset();
        for (const s of current(spec.name)) this.set(s.labels, s.value);
      },
    });
  });
  for (const metric of created) registry.registerMetric(metric);
}
