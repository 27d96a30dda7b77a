import { HttpError } from './httpError';

/**
 * A counting semaphore for expensive work (decompressing request bodies): at
 * most `max` holders at once, at most `maxWaiting` waiting in line (FIFO);
 * beyond that {@link acquire} rejects with a 503 and `Retry-After: 1`, as Relay
 * answers when it cannot take more work. Waiting requests are not read, so
 * their bodies stay in the kernel's socket buffers, not in memory here.
 */
export class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly max: number,
    readonly maxWaiting: number,
  ) {}

  /** Resolves with a release function once a slot is free (call it exactly once; extra calls are ignored). */
  acquire(): Promise<() => void> {
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.length >= this.maxWaiting) {
      return Promise.reject(
        new HttpError(503, 'too many compressed bodies are being read at once; retry later', {
          'Retry-After': '1',
        }),
      );
    }
    return new Promise((resolve) => this.waiting.push(() => resolve(this.releaser())));
  }

  /** Holders right now. */
  get inUse(): number {
    return this.active;
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next in line.
      if (next) next();
      else this.active--;
    };
  }
}
