// ringsock/net for ESM: node:net's named exports and types, and the module as default.
import net from 'node:net';
export * from 'node:net';
export default net;
