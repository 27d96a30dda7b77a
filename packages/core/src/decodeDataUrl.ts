/**
 * The JSON text of a `data:application/json[;charset=…][;base64],…` URL (an inline source map),
 * or `null` for any other media type or data that does not decode.
 */
export function decodeDataUrl(url: string): string | null {
  const comma = url.indexOf(',');
  if (comma < 0) return null;
  const meta = url.slice(5, comma);
  const data = url.slice(comma + 1);
  if (!/^application\/json\b/i.test(meta)) return null;
  try {
    return /;base64$/i.test(meta)
      ? Buffer.from(data, 'base64').toString('utf8')
      : decodeURIComponent(data);
  } catch {
    return null;
  }
}
