// ringsock/metrics for ESM: the CommonJS module's types, and the module as default.
import * as metrics from '../dist/metrics.js';
export * from '../dist/metrics.js';
export default metrics;
