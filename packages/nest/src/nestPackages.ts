// What @x/nest's context modules share: finding an app's handler methods, and loading an optional
// Nest package (`@nestjs/websockets`, `@nestjs/microservices`) as the app's Nest loads it.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** The methods on a class's prototype chain (its possible handlers), constructor excluded. */
export function prototypeMethods(prototype: object): object[] {
  const methods: object[] = [];
  for (
    let proto = prototype;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const value = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown;
      if (name !== 'constructor' && typeof value === 'function') methods.push(value);
    }
  }
  return methods;
}

/**
 * An optional Nest package as Nest itself loads it — resolved from `@nestjs/core`, so that its
 * exception classes are the ones the app throws and its base filters answer as Nest does — else
 * as this package resolves it; `pick` takes what @x needs from the module (Nest 11 is CommonJS:
 * its exports may sit on `default`). `undefined` when neither loads, or `pick` finds nothing:
 * then Nest cannot use that package either.
 */
export async function loadNestPackage<Api>(
  name: string,
  pick: (module: Record<string, unknown>) => Api | undefined,
): Promise<Api | undefined> {
  const loaders = [
    () => {
      const core = createRequire(import.meta.url).resolve('@nestjs/core');
      return import(pathToFileURL(createRequire(core).resolve(name)).href);
    },
    () => import(name),
  ];
  for (const load of loaders) {
    try {
      const loaded = (await load()) as Record<string, unknown> & { default?: unknown };
      for (const candidate of [loaded, loaded.default]) {
        const api =
          candidate && typeof candidate === 'object'
            ? pick(candidate as Record<string, unknown>)
            : undefined;
        if (api) return api;
      }
    } catch {
      // Not resolvable this way: try the next.
    }
  }
  return undefined;
}
