// ESM resolve hook registered by ringsock/register: `node:dgram`/`dgram` (and net) imported by
// application code resolve to ringsock's ESM facades; ringsock's own files keep Node's modules.
const facades = {
  dgram: new URL('./dgram.mjs', import.meta.url).href,
  'node:dgram': new URL('./dgram.mjs', import.meta.url).href,
  net: new URL('./net.mjs', import.meta.url).href,
  'node:net': new URL('./net.mjs', import.meta.url).href,
};
const ownRoot = new URL('../', import.meta.url).href;

export async function resolve(specifier, context, next) {
  const facade = facades[specifier];
  const parent = context.parentURL ?? '';
  const own = parent.startsWith(ownRoot) && !parent.includes('/node_modules/');
  if (facade && !own) return { url: facade, shortCircuit: true };
  return next(specifier, context);
}
