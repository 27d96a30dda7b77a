const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * HTML that is safe to insert as is: made by {@link html} (which escaped every
 * interpolated value) or explicitly trusted with {@link raw}.
 */
export class SafeHtml {
  /** @param value The markup; only {@link html} and {@link raw} should call this. */
  constructor(readonly value: string) {}

  /** The markup. */
  toString(): string {
    return this.value;
  }
}

/** Escapes `& < > " '` so text can go into element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] as string);
}

/**
 * A tagged template that escapes every interpolated value: strings and numbers
 * are escaped, {@link SafeHtml} (another `html` result) is inserted as is,
 * arrays are joined item by item, and `null`, `undefined` and `false` render
 * as nothing. Attribute values must be quoted in the template.
 *
 * @example
 * html`<td title="${user.email}">${user.username}</td>` // both escaped
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** Marks trusted markup (never user input) as {@link SafeHtml}. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

function render(value: unknown): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}
