import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Runs `fn` in the async context this module was loaded in — outside every request, message or
 * job — and returns what it returns. For promises that outlive the unit that first needed them
 * (cache entries): a promise made inside a unit keeps that unit's AsyncLocalStorage stores, and
 * so its scopes and its request or socket, alive as long as the promise is kept. Node entry only.
 */
export const outsideUnits: <T>(fn: () => T) => T = AsyncLocalStorage.snapshot();
