/**
 * The frame's module the way @sentry/node names it (`createGetModuleFromFilename` with the root
 * as base): `.js`/`.mjs`/`.cjs` dropped; below a `node_modules` the package path dotted then
 * `:file` (`@koa.router.dist:index`); below the root the directory dotted then `:file`
 * (`src.routes:orders`, or just `server` at the root); elsewhere the file name alone.
 */
export function moduleFromPath(path: string, root: string): string | undefined {
  const windows = /^[A-Za-z]:[\\/]|\\/.test(path);
  const normalize = (p: string) => (windows ? p.replace(/^[A-Za-z]:/, '').replace(/\\/g, '/') : p);
  const file = normalize(path);
  const base = normalize(root).replace(/\/+$/, '');
  const slash = file.lastIndexOf('/');
  const dir = slash > 0 ? file.slice(0, slash) : slash === 0 ? '/' : '.';
  let name = file.slice(slash + 1);
  const ext = /\.(?:m|c)?js$/.exec(name);
  if (ext) name = name.slice(0, -ext[0].length);
  try {
    name = decodeURIComponent(name);
  } catch {
    // Keep the raw name.
  }
  if (!name) return undefined;
  const nodeModules = dir.lastIndexOf('/node_modules');
  if (nodeModules > -1) {
    return `${dir.slice(nodeModules + '/node_modules/'.length).replace(/\//g, '.')}:${name}`;
  }
  if (dir === base || dir.startsWith(`${base}/`)) {
    const moduleDir = dir.slice(base.length + 1).replace(/\//g, '.');
    return moduleDir ? `${moduleDir}:${name}` : name;
  }
  return name;
}
