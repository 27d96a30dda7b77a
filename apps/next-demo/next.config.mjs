/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // Server source maps, so @x maps errors to the app's own files (with context lines).
  // Turbopack (Next 16's default builder) writes them already; webpack builds need this.
  experimental: { serverSourceMaps: true },
  // Sentry mode loads Sentry's SDK from node_modules rather than from the bundle, so it can set up
  // its Node hooks. Either mode, the same build: only Sentry mode loads it.
  serverExternalPackages: ['@sentry/nextjs'],
};

export default nextConfig;
