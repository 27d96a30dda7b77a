import stringWidth from 'string-width';
import type { StreamEvent } from './streamQueries';

/** The width `x-inbox tail` fits its lines to (display columns). */
export const TAIL_WIDTH = 100;

/** At most this many columns for each field after the title; the title takes what is left. */
const FIELD_WIDTH = { user: 24, transaction: 28, release: 18 } as const;
/** The title keeps at least this many columns, even if the fields after it are cut further. */
const MIN_TITLE_WIDTH = 24;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * One event as a readable line of at most `width` display columns (wide characters and emoji
 * count two): local time, level, title, user, transaction, release. Each field is cut with an
 * ellipsis when too wide, between graphemes; control and bidi characters of the event are not
 * written to the terminal.
 */
export function tailLine(event: StreamEvent, width: number = TAIL_WIDTH): string {
  const head = `${clock(event.received)} ${clean(event.level).padEnd(7)} `;
  const fields = [
    fit(clean(userLabel(event)), FIELD_WIDTH.user),
    fit(clean(event.transaction ?? ''), FIELD_WIDTH.transaction),
    fit(clean(event.release ?? ''), FIELD_WIDTH.release),
  ].filter((field) => field !== '');
  let tail = fields.map((field) => `  ${field}`).join('');
  const room = width - stringWidth(head);
  if (room - stringWidth(tail) < MIN_TITLE_WIDTH) tail = fit(tail, room - MIN_TITLE_WIDTH);
  const title = fit(clean(event.title), room - stringWidth(tail));
  return fit(`${head}${title}${tail}`, width);
}

/** How the user shows: username, else email, else id, else IP, else the user key. */
function userLabel(event: StreamEvent): string {
  const user = event.user;
  return user?.username ?? user?.email ?? user?.id ?? user?.ip_address ?? event.user_key ?? '';
}

/** `HH:MM:SS` in local time. */
function clock(received: string): string {
  const date = new Date(received);
  if (Number.isNaN(date.getTime())) return '--:--:--';
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/**
 * Text safe for a terminal line: control characters (escape sequences, line breaks) become
 * spaces, bidi controls are dropped, runs of white space shrink to one.
 */
export function clean(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: they are what is replaced
      .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
      .replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
      // Half of a surrogate pair (a title cut inside an emoji) shows as the replacement character.
      .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

/** `text` cut to at most `max` display columns, ending in `…` when cut (whole graphemes only). */
export function fit(text: string, max: number): string {
  if (max <= 0) return '';
  if (stringWidth(text) <= max) return text;
  let out = '';
  let used = 0;
  for (const { segment } of segmenter.segment(text)) {
    const w = stringWidth(segment);
    if (used + w > max - 1) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
}
