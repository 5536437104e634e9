// ESM resolve hook registered by ringsock/register: `node:dgram`/`dgram` (and net) imported by
// application code resolve to ringsock's ESM facades; ringsock's own files keep Node's modules.
const facades = {
  dgram: new URL('./dgram.mjs', import.meta.url).href,
  'node:dgram': new URL('./dgram.mjs', import.meta.url).href,
  net: new URL('./net.mjs', import.meta.url).href,
  'node:net': new URL('./net.mjs', import.meta.url).href,
};
// Only ringsock's compiled files are "own"; apps and tests next to the package are users.
const ownDirs = [new URL('./', import.meta.url).href, new URL('../dist/', import.meta.url).href];

export async function resolve(specifier, context, next) {
  const facade = facades[specifier];
  const parent = context.parentURL ?? '';
  const own = ownDirs.some((dir) => parent.startsWith(dir));
  if (facade && !own) return { url: facade, shortCircuit: true };
  return next(specifier, context);
}
