import type { SeverityLevel } from './scope';
import type { User } from './user';

/** One stack frame, oldest call first in a stacktrace (as Sentry orders them). */
export interface StackFrame {
  filename?: string | undefined;
  abs_path?: string | undefined;
  function?: string | undefined;
  module?: string | undefined;
  lineno?: number | undefined;
  colno?: number | undefined;
  /** `false` for frames in node_modules, Node internals and native code. */
  in_app?: boolean | undefined;
  /** Source lines before `lineno` (Node: in-app frames, 7 lines). */
  pre_context?: string[] | undefined;
  /** The source line at `lineno`. */
  context_line?: string | undefined;
  /** Source lines after `lineno`. */
  post_context?: string[] | undefined;
}

/** How an exception was caught. */
export interface Mechanism {
  type: string;
  handled?: boolean | undefined;
  synthetic?: boolean | undefined;
  source?: string | undefined;
  exception_id?: number | undefined;
  parent_id?: number | undefined;
  data?: Record<string, unknown> | undefined;
}

/** One exception of a chain. */
export interface ExceptionValue {
  type?: string | undefined;
  value?: string | undefined;
  stacktrace?: { frames: StackFrame[] } | undefined;
  mechanism?: Mechanism | undefined;
}

/** The HTTP request an event happened in. */
export interface EventRequest {
  method?: string | undefined;
  url?: string | undefined;
  query_string?: string | undefined;
  headers?: Record<string, string> | undefined;
  /** The request's cookies by name (`dataCollection.cookies`), or a `Cookie` header's text. */
  cookies?: Record<string, string> | string | undefined;
  env?: Record<string, string> | undefined;
  data?: unknown | undefined;
}

/** A breadcrumb: something that happened before the event. */
export interface Breadcrumb {
  type?: string | undefined;
  category?: string | undefined;
  message?: string | undefined;
  level?: SeverityLevel | undefined;
  timestamp?: number | undefined;
  data?: Record<string, unknown> | undefined;
}

/** A Sentry event as @x sends it. */
export interface Event {
  event_id?: string | undefined;
  timestamp?: number | undefined;
  platform?: string | undefined;
  level?: SeverityLevel | undefined;
  logger?: string | undefined;
  transaction?: string | undefined;
  server_name?: string | undefined;
  release?: string | undefined;
  environment?: string | undefined;
  /** A message event's text (Sentry's `logentry`). */
  logentry?: { formatted: string; message?: string; params?: unknown[] } | undefined;
  exception?: { values: ExceptionValue[] } | undefined;
  user?: User | null | undefined;
  request?: EventRequest | undefined;
  tags?: Record<string, string> | undefined;
  contexts?: Record<string, Record<string, unknown> | null> | undefined;
  extra?: Record<string, unknown> | undefined;
  fingerprint?: string[] | undefined;
  breadcrumbs?: { values: Breadcrumb[] } | undefined;
  sdk?: {
    name: string;
    version: string;
    integrations?: string[] | undefined;
    packages?: { name: string; version: string }[] | undefined;
    settings?: { infer_ip?: 'auto' | 'never' } | undefined;
  };
  [key: string]: unknown;
}

/** Extra information about a capture, passed to `beforeSend`. */
export interface EventHint {
  /** The thrown value, as given to `captureException`. */
  originalException?: unknown | undefined;
  /** How the error was caught; defaults to `{ type: 'generic', handled: true }`. */
  mechanism?: Mechanism | undefined;
  /** Any data an adapter wants to hand to `beforeSend`. */
  data?: Record<string, unknown> | undefined;
  /** The event id to use (adapters that must answer with it before capture completes). */
  event_id?: string | undefined;
}

/** Sentry's rate-limit / client-report categories this SDK sends. */
export type DataCategory =
  | 'error'
  | 'default'
  | 'internal'
  | 'transaction'
  | 'session'
  | 'attachment';
