// ringsock/dgram for ESM: node:dgram's named exports and types, and the module as default.
import dgram from 'node:dgram';
export * from 'node:dgram';
export default dgram;
