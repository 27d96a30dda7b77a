import type { SerializedEnvelope } from './envelope';
import type { DataCategory } from './event';

/** One envelope waiting in a {@link Spool}. */
export interface SpoolEntry {
  /** Opaque id (a file name for the file spool). */
  id: string;
  categories: DataCategory[];
}

/**
 * Durable storage for envelopes that could not be delivered yet. The transport
 * writes to it during an outage and drains it, oldest first, once the backend
 * answers again — also after a restart of the app. Node's entry point provides
 * a file spool for `spoolDir`.
 */
export interface Spool {
  /** Stores an envelope; resolves once it is durable. Returns how many old entries the cap evicted. */
  write(envelope: SerializedEnvelope): Promise<number>;
  /** The stored entries, oldest first. */
  list(): Promise<SpoolEntry[]>;
  /** The bytes of an entry, or `undefined` if it is gone. */
  read(entry: SpoolEntry): Promise<Uint8Array | undefined>;
  /** Deletes an entry (after delivery, or when it can never be delivered). */
  remove(entry: SpoolEntry): Promise<void>;
}
