// Service locator (DESIGN.md decision 1): registered backends with probe()/create(),
// chosen once per process (or worker thread) from the environment, falling back
// xdp -> uring -> node with one warning that names the reason.
import type { BackendEntry, BackendImpl, BackendName } from './types';

export interface Choice {
  name: BackendName;
  /** Why this backend runs: the request, or the probe failure that caused a fallback. */
  reason: string;
  impl: BackendImpl | null;
}

const FALLBACK: Record<BackendName, BackendName | null> = { xdp: 'uring', uring: 'node', node: null };
const NAMES: BackendName[] = ['node', 'uring', 'xdp'];

export class BackendUnavailableError extends Error {
  readonly code = 'ERR_RINGSOCK_BACKEND_UNAVAILABLE';
}

export type Env = Record<string, string | undefined>;
export type Warn = (message: string, code: string) => void;

/** The backend the environment asks for, and the words that say why. */
export function requested(env: Env): { name: BackendName; why: string } {
  const forced = env.RINGSOCK_BACKEND;
  if (forced !== undefined && forced !== '') {
    if (!(NAMES as string[]).includes(forced)) {
      throw new TypeError(`RINGSOCK_BACKEND must be one of ${NAMES.join(', ')}; got "${forced}"`);
    }
    return { name: forced as BackendName, why: `RINGSOCK_BACKEND=${forced}` };
  }
  if (env.KERNEL_BYPASS === '1') return { name: 'xdp', why: 'KERNEL_BYPASS=1' };
  return { name: 'uring', why: 'default' };
}

export class Registry {
  private readonly entries = new Map<BackendName, BackendEntry>();

  constructor(entries: BackendEntry[]) {
    for (const e of entries) this.entries.set(e.name, e);
  }

  /** Runs the probe of `name`, honouring RINGSOCK_PROBE_FAIL (a test seam: comma list of names). */
  private probe(name: BackendName, env: Env): string | null {
    const failing = (env.RINGSOCK_PROBE_FAIL ?? '').split(',').map((s) => s.trim());
    if (failing.includes(name)) return `probe failure forced by RINGSOCK_PROBE_FAIL=${env.RINGSOCK_PROBE_FAIL}`;
    const entry = this.entries.get(name);
    if (!entry) return `the ${name} backend is not registered`;
    try {
      return entry.probe();
    } catch (err) {
      return `the ${name} probe threw: ${(err as Error).message}`;
    }
  }

  choose(env: Env, warn: Warn): Choice {
    const want = requested(env);
    const strict = env.RINGSOCK_STRICT === '1';
    let name: BackendName | null = want.name;
    const failures: string[] = [];
    while (name) {
      const failure = this.probe(name, env);
      if (failure === null) {
        const entry = this.entries.get(name)!;
        const reason = failures.length ? `${want.why}; fell back: ${failures.join('; ')}` : want.why;
        if (failures.length) {
          const sockets = name === 'node' ? " (Node's own sockets run the app)" : '';
          warn(`ringsock: using the ${name} backend instead of ${want.name}: ${failures.join('; ')}${sockets}`,
            'RINGSOCK_FALLBACK');
        }
        return { name, reason, impl: entry.create() };
      }
      // xdp's failure embeds uring's when io_uring is what it lacks: the warning says it once.
      if (!failures.some((f) => f.includes(failure))) failures.push(`${name}: ${failure}`);
      if (strict) {
        throw new BackendUnavailableError(
          `ringsock: the ${name} backend is unavailable (RINGSOCK_STRICT=1): ${failure}`);
      }
      name = FALLBACK[name];
    }
    throw new BackendUnavailableError(`ringsock: no backend is usable: ${failures.join('; ')}`);
  }
}

let chosen: Choice | null = null;

/** The backend of this process (or worker), chosen on first use. */
export function current(): Choice {
  if (!chosen) {
    // Required lazily so that a missing native build only affects the backends that need it.
    const { defaultEntries } = require('./entries') as typeof import('./entries');
    chosen = new Registry(defaultEntries()).choose(process.env, (msg, code) =>
      process.emitWarning(msg, { code }));
  }
  return chosen;
}
