// ESM face of ringsock/dgram with node:dgram's named exports.
import { createRequire } from 'node:module';
const dgram = createRequire(import.meta.url)('../dist/dgram.js');
export default dgram;
export const { createSocket, Socket } = dgram;
