import {
  any,
  arr,
  bool,
  either,
  exactly,
  lenientStr,
  obj,
  oneOf,
  pairs,
  record,
  type Shape,
  str,
  timestamp,
  uint,
  values,
} from './shape';

/** Severity levels an event or breadcrumb may have, with the spellings Relay also accepts. */
export const LEVELS = ['debug', 'info', 'warning', 'error', 'fatal'] as const;
const level = oneOf(LEVELS, { log: 'info', warn: 'warning', critical: 'fatal' });

const isString = (v: unknown) => typeof v === 'string';
const isNumber = (v: unknown) => typeof v === 'number';
const anyObject = record(any);

const threadId = either([isNumber, uint], [isString, str]);

const frame = obj({
  abs_path: str,
  addr_mode: str,
  colno: uint,
  context_line: str,
  filename: str,
  function: str,
  function_id: str,
  image_addr: str,
  in_app: bool,
  instruction_addr: str,
  lineno: uint,
  lock: anyObject,
  module: str,
  package: str,
  platform: str,
  post_context: arr(str),
  pre_context: arr(str),
  raw_function: str,
  stack_start: bool,
  symbol: str,
  symbol_addr: str,
  vars: anyObject,
});

const stacktrace = obj(
  {
    frames: arr(frame),
    instruction_addr_adjustment: oneOf(['auto', 'all_but_first', 'all', 'none']),
    lang: str,
    registers: record(str),
    snapshot: bool,
  },
  { required: ['frames'] },
);

const mechanism = obj(
  {
    data: anyObject,
    exception_id: uint,
    handled: bool,
    help_link: str,
    is_exception_group: bool,
    meta: anyObject,
    parent_id: uint,
    source: str,
    synthetic: bool,
    type: str,
  },
  { required: ['type'] },
);

const exception = obj({
  mechanism,
  module: str,
  stacktrace,
  thread_id: threadId,
  type: str,
  value: lenientStr,
});

const thread = obj({
  crashed: bool,
  current: bool,
  held_locks: record(anyObject),
  id: threadId,
  main: bool,
  name: str,
  stacktrace,
  state: str,
});

const breadcrumb = obj({
  category: str,
  data: anyObject,
  event_id: str,
  level,
  message: str,
  timestamp,
  type: str,
});

const transactionSource = oneOf([
  'custom',
  'url',
  'route',
  'view',
  'component',
  'sanitized',
  'task',
  'unknown',
]);

/** Splits a `Cookie` header into pairs. */
function splitCookies(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.push([part.slice(0, eq).trim(), part.slice(eq + 1).trim()]);
  }
  return out;
}

const request = obj({
  api_target: str,
  body_size: uint,
  cookies: pairs({ split: splitCookies }),
  data: any,
  env: anyObject,
  fragment: str,
  headers: pairs(),
  inferred_content_type: str,
  method: str,
  protocol: str,
  query_string: either([isString, str], [() => true, pairs()]),
  url: str,
});

const sdk = obj(
  {
    features: arr(str),
    integrations: arr(str),
    name: str,
    packages: arr(obj({ name: str, version: str })),
    settings: obj({ infer_ip: exactly(['auto', 'never', 'legacy']) }, { other: any }),
    version: str,
  },
  { required: ['name', 'version'] },
);

/**
 * The shape of a stored event: every attribute of Sentry's event schema (as
 * Relay stores it) with the type it must have. `user` is not in here: it goes
 * through `processUser` instead. Values of the wrong type are dropped and
 * annotated in `_meta`; unknown top-level attributes are dropped too.
 */
export const EVENT_SHAPE: Shape = obj({
  breadcrumbs: values(breadcrumb),
  contexts: record(anyObject),
  culprit: str,
  debug_meta: obj({ images: arr(anyObject), sdk_info: anyObject }),
  dist: str,
  environment: str,
  errors: arr(obj({ name: str, type: str, value: any }, { required: ['type'] })),
  event_id: str,
  exception: values(exception),
  extra: anyObject,
  fingerprint: arr(lenientStr),
  level,
  logentry: obj({ formatted: lenientStr, message: lenientStr, params: any }),
  logger: str,
  modules: record(str),
  platform: str,
  received: timestamp,
  release: lenientStr,
  request,
  sdk,
  server_name: str,
  stacktrace,
  tags: pairs(),
  threads: values(thread),
  time_spent: uint,
  timestamp,
  transaction: str,
  transaction_info: obj({
    changes: arr(anyObject),
    original: str,
    propagations: uint,
    source: transactionSource,
  }),
  type: oneOf(['error', 'csp', 'hpkp', 'expectct', 'expectstaple', 'nel', 'default']),
  user: any,
  version: str,
});
