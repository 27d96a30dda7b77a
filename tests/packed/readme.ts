// Reads a package README the way the packed-install test uses it: the code blocks marked with
// `<!-- file: path -->` (they become files of the consumer project), the packages its
// `npm install` lines name, and the packages a snippet imports.

/** A README code block marked with `<!-- file: path -->` right before its fence. */
export interface Snippet {
  file: string;
  lang: string;
  code: string;
}

const FENCE = /^```(\w*)\n([\s\S]*?)^```$/gm;
const MARKER = /<!--\s*file:\s*(\S+)\s*-->\s*$/;

/** Every fenced block, with the marker before it (if any). */
export function codeBlocks(markdown: string): { lang: string; code: string; file?: string }[] {
  const blocks: { lang: string; code: string; file?: string }[] = [];
  for (const match of markdown.matchAll(FENCE)) {
    const before = markdown.slice(0, match.index).trimEnd();
    const file = MARKER.exec(before)?.[1];
    blocks.push({ lang: match[1] ?? '', code: match[2] ?? '', ...(file ? { file } : {}) });
  }
  return blocks;
}

/** The marked snippets of a README. */
export function snippets(markdown: string): Snippet[] {
  return codeBlocks(markdown).flatMap((b) =>
    b.file ? [{ file: b.file, lang: b.lang, code: b.code }] : [],
  );
}

/**
 * The packages named by the `npm install` lines of the README's `sh` blocks, split into
 * dependencies and dev dependencies (`--save-dev` / `-D`). A `#` starts a comment.
 */
export function installLines(markdown: string): { dependencies: string[]; dev: string[] } {
  const dependencies: string[] = [];
  const dev: string[] = [];
  for (const block of codeBlocks(markdown)) {
    if (block.lang !== 'sh') continue;
    for (const line of block.code.split('\n')) {
      const words = (line.split('#')[0] ?? '').trim().split(/\s+/);
      if (words[0] !== 'npm' || !['install', 'i', 'add'].includes(words[1] ?? '')) continue;
      const flags = words.slice(2).filter((w) => w.startsWith('-'));
      const names = words.slice(2).filter((w) => w && !w.startsWith('-'));
      (flags.some((f) => f === '-D' || f === '--save-dev') ? dev : dependencies).push(...names);
    }
  }
  return { dependencies, dev };
}

/** The package names a snippet imports or re-exports from (no relative paths, no `node:`). */
export function importedPackages(code: string): string[] {
  const names = new Set<string>();
  for (const match of code.matchAll(/(?:from|import)\s+['"]([^'"]+)['"]/g)) {
    const specifier = match[1] ?? '';
    if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
    const parts = specifier.split('/');
    names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? ''));
  }
  return [...names];
}
