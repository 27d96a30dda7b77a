import type { ArgumentsHost } from '@nestjs/common';
import type { Scopes } from '@x/core';
import { captureRequestError, type RequestDescription, runRequest } from '@x/core/internal';
import type { XModuleOptions } from './options.js';
import { escapedInSentryMode } from './sentryMode.js';

/**
 * What @x/nest does for one kind of Nest execution context beyond HTTP (`graphql`, `ws`, `rpc`):
 * each is a translation of that context's objects into core's unit of work. A context's module
 * registers itself when `XModule` finds a handler of that kind in the app (so an app without
 * GraphQL, gateways or microservices never loads their code).
 */
export interface ContextUnit {
  /** Nest's context type, as `host.getType()` names it. */
  readonly type: string;
  /**
   * The scopes of the unit of work `host` belongs to, when they are already open — a GraphQL
   * resolver runs inside its HTTP request's scopes; a message handler inside the scopes its
   * interceptor opened. `undefined`: the error is captured in a fresh scope from {@link describe}.
   */
  scopesOf(host: ArgumentsHost): Scopes | undefined;
  /** The unit `host` stands for, as core's description: user getter, transaction, trace headers. */
  describe(host: ArgumentsHost, options: XModuleOptions): RequestDescription;
  /**
   * Answers an error exactly as Nest does in this context when no app filter catches it (its
   * own base exception filter), so that the app's clients see no difference with @x.
   */
  answer(exception: unknown, host: ArgumentsHost): unknown;
}

const units = new Map<string, ContextUnit>();

/** Registers the translation of one context type (done by each context's module). */
export function registerContextUnit(unit: ContextUnit): void {
  units.set(unit.type, unit);
}

/** The registered translation of a context type, if its module was loaded. */
export function contextUnit(type: string): ContextUnit | undefined {
  return units.get(type);
}

/**
 * Captures an error that escaped a non-HTTP handler — once, by core's status rule — in its
 * unit's scopes: those already open, else fresh ones describing the unit (so the event still
 * carries the unit's user and transaction).
 */
export function captureContextError(
  error: unknown,
  host: ArgumentsHost,
  options: XModuleOptions,
): void {
  const type = host.getType();
  const unit = contextUnit(type);
  const capture = (scopes: Scopes | undefined) =>
    captureRequestError(error, {
      mechanism: `nestjs.${type}`,
      shouldCapture: options.shouldCapture,
      unit: host,
      scopes,
    });
  try {
    const open = unit?.scopesOf(host);
    if (open || !unit) capture(open);
    else
      runRequest(unit.describe(host, options), (scopes) => {
        capture(scopes);
        // Sentry mode: the filter that captures it for Sentry runs next, outside this unit.
        escapedInSentryMode(error);
      });
  } catch {
    // A context's translation that throws must not change the app's answer.
    capture(undefined);
  }
}
