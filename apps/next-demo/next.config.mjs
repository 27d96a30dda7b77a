/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // Server source maps, so @x maps errors to the app's own files (with context lines).
  // Turbopack (Next 16's default builder) writes them already; webpack builds need this.
  experimental: { serverSourceMaps: true },
};

export default nextConfig;
