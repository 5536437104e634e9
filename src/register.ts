// `node -r ringsock/register app.js`: makes require('dgram'|'node:dgram'|'net'|'node:net')
// and the same ESM imports return ringsock's modules, so app code runs unchanged.
// NODE_OPTIONS="-r ringsock/register" reaches child processes too.
import Module = require('node:module');
import path = require('node:path');
import { pathToFileURL } from 'node:url';
import { REPLACED, ownFile } from './register-map';

type Load = (request: string, parent: { filename?: string | null } | undefined, isMain: boolean) => unknown;
const mod = Module as unknown as { _load: Load; register?: (specifier: string, parentURL: string) => void };

// Node also runs `-r` preloads in its module-hooks thread (an internal worker: Node >= 22 says
// isInternalThread; Node 20's has no parentPort). No app code runs there, so nothing is
// replaced there: choosing a backend there would open a second engine and repeat its warning.
function inModuleHooksThread(): boolean {
  const wt = require('node:worker_threads') as typeof import('node:worker_threads') & { isInternalThread?: boolean };
  if (typeof wt.isInternalThread === 'boolean') return wt.isInternalThread;
  return !wt.isMainThread && wt.parentPort === null;
}

if (!inModuleHooksThread()) install();

function install(): void {
  const originalLoad = mod._load;
  mod._load = function load(request, parent, isMain) {
    const target = REPLACED[request];
    // ringsock's own files keep Node's modules: they are what the node backend and fallbacks use.
    if (target && !ownFile(parent?.filename)) {
      return originalLoad.call(this, path.join(__dirname, target), parent, isMain);
    }
    return originalLoad.call(this, request, parent, isMain);
  };

  // ESM: `import dgram from 'node:dgram'` is resolved by a loader hook (Node >= 20.6).
  if (typeof mod.register === 'function') {
    mod.register(pathToFileURL(path.join(__dirname, '..', 'esm', 'hooks.mjs')).href, pathToFileURL(__filename).href);
  }
  // http.Server and friends use Node's internal net; ./net wires them through ringsock on load.
  if (REPLACED.net) require('./net');
}
