// A package README documents its API in a table under an `## API` heading: the column headed
// `export` / `exports` (else the first one) names exports in backticks, as `init`,
// `registerX(options)` or `@SkipCapture()`. Code elsewhere in the row or the README is prose.

const NAME = /^@?([A-Za-z_$][\w$]*)(?:[(<].*)?$/;

/** The cells of a table row; a `|` inside backticks belongs to the cell. */
function cells(row: string): string[] {
  const inner = row.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/\|(?=(?:[^`]*`[^`]*`)*[^`]*$)/).map((cell) => cell.trim());
}

/** The lines of the `## API` section, or undefined when the README has none. */
function apiSection(markdown: string): string[] | undefined {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => /^#{2,3}\s+API\s*$/.test(line));
  if (start === -1) return undefined;
  const level = lines[start]?.match(/^#+/)?.[0].length ?? 2;
  const next = lines.findIndex(
    (line, i) => i > start && new RegExp(`^#{1,${level}}\\s`).test(line),
  );
  return lines.slice(start + 1, next === -1 ? undefined : next);
}

/**
 * The export names in the README's API table (in table order), or undefined when the README has
 * no `## API` section with a table in it.
 */
export function apiTableNames(markdown: string): string[] | undefined {
  const section = apiSection(markdown);
  const start = section?.findIndex((line) => line.trimStart().startsWith('|')) ?? -1;
  if (!section || start === -1) return undefined;
  const end = section.findIndex((line, i) => i > start && !line.trimStart().startsWith('|'));
  const [header, separator, ...rows] = section.slice(start, end === -1 ? undefined : end);
  if (!header || !separator || !/^[\s|:-]+$/.test(separator)) return undefined;
  const column = Math.max(
    0,
    cells(header).findIndex((cell) => /^exports?$/i.test(cell)),
  );
  return rows.flatMap((row) =>
    [...(cells(row)[column] ?? '').matchAll(/`([^`]+)`/g)].flatMap((span) => {
      const name = NAME.exec(span[1] ?? '')?.[1];
      return name ? [name] : [];
    }),
  );
}
