import type { SeverityLevel } from './scope';
import type { User } from './user';

/** One stack frame, oldest call first in a stacktrace (as Sentry orders them). */
export interface StackFrame {
  filename?: string;
  abs_path?: string;
  function?: string;
  module?: string;
  lineno?: number;
  colno?: number;
  /** `false` for frames in node_modules, Node internals and native code. */
  in_app?: boolean;
}

/** How an exception was caught. */
export interface Mechanism {
  type: string;
  handled?: boolean;
  synthetic?: boolean;
  source?: string;
  exception_id?: number;
  parent_id?: number;
  data?: Record<string, unknown>;
}

/** One exception of a chain. */
export interface ExceptionValue {
  type?: string;
  value?: string;
  stacktrace?: { frames: StackFrame[] };
  mechanism?: Mechanism;
}

/** The HTTP request an event happened in. */
export interface EventRequest {
  method?: string;
  url?: string;
  query_string?: string;
  headers?: Record<string, string>;
  cookies?: string;
  env?: Record<string, string>;
  data?: unknown;
}

/** A breadcrumb: something that happened before the event. */
export interface Breadcrumb {
  type?: string;
  category?: string;
  message?: string;
  level?: SeverityLevel;
  timestamp?: number;
  data?: Record<string, unknown>;
}

/** A Sentry event as @x sends it. */
export interface Event {
  event_id?: string;
  timestamp?: number;
  platform?: string;
  level?: SeverityLevel;
  logger?: string;
  transaction?: string;
  server_name?: string;
  release?: string;
  environment?: string;
  /** A message event's text (Sentry's `logentry`). */
  logentry?: { formatted: string; message?: string; params?: unknown[] };
  exception?: { values: ExceptionValue[] };
  user?: User | null;
  request?: EventRequest;
  tags?: Record<string, string>;
  contexts?: Record<string, Record<string, unknown> | null>;
  extra?: Record<string, unknown>;
  fingerprint?: string[];
  breadcrumbs?: { values: Breadcrumb[] };
  sdk?: {
    name: string;
    version: string;
    integrations?: string[];
    packages?: { name: string; version: string }[];
    settings?: { infer_ip?: 'auto' | 'never' };
  };
  [key: string]: unknown;
}

/** Extra information about a capture, passed to `beforeSend`. */
export interface EventHint {
  /** The thrown value, as given to `captureException`. */
  originalException?: unknown;
  /** How the error was caught; defaults to `{ type: 'generic', handled: true }`. */
  mechanism?: Mechanism;
  /** Any data an adapter wants to hand to `beforeSend`. */
  data?: Record<string, unknown>;
  /** The event id to use (adapters that must answer with it before capture completes). */
  event_id?: string;
}

/** Sentry's rate-limit / client-report categories this SDK sends. */
export type DataCategory =
  | 'error'
  | 'default'
  | 'internal'
  | 'transaction'
  | 'session'
  | 'attachment';
