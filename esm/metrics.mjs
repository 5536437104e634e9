// ESM face of ringsock/metrics (the prom-client collector).
import { createRequire } from 'node:module';
const metrics = createRequire(import.meta.url)('../dist/metrics.js');
export default metrics;
export const { register } = metrics;
