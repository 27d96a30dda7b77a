import type { InboxTrustProxy } from '../clientIp';
import type { GeoDatabase } from '../geo';
import type { SqliteDriverName } from '../sqlite';
import { html, type SafeHtml } from './html';

/** Where the user's geo comes from, as the settings page and footer show it. */
export type UiGeoSource = GeoDatabase | { kind: 'off' };

/** The inbox's configuration as the web UI shows it. */
export interface UiSettings {
  version: string;
  /** Base URL of the inbox. */
  url: string;
  /** The DSN to give SDKs. */
  dsn: string;
  /** The database file (or `:memory:`). */
  dbPath: string;
  /** The SQLite driver in use. */
  sqliteDriver: SqliteDriverName;
  /** `--prevent-storing-ip`. */
  preventStoringIp: boolean;
  geo: UiGeoSource;
  /** `true` when only one public key is accepted (`--key`). */
  keyRestricted: boolean;
  /** `--trust-proxy` as given (`false` when off). */
  trustProxy: InboxTrustProxy;
  /** The upstream DSN with its secret hidden, when forwarding. */
  forward: string | undefined;
}

/** Options of {@link renderPage}. */
export interface PageOptions {
  /** The document title (before " · x-inbox"). */
  title: string;
  /** Which top navigation entry is current. */
  nav?: 'issues' | 'settings' | undefined;
  /** The page's main content. */
  body: SafeHtml;
  settings: UiSettings;
}

/** The DB-IP Lite attribution its CC BY 4.0 licence asks for, as HTML. */
export const DBIP_ATTRIBUTION_HTML = html`IP geolocation by
  <a href="https://db-ip.com" rel="noreferrer">DB-IP</a>, licensed
  <a href="https://creativecommons.org/licenses/by/4.0/" rel="noreferrer">CC BY 4.0</a>`;

/**
 * A whole HTML document around `body`: header with navigation, the stylesheet
 * and script served by the inbox (no inline code, so the strict CSP holds), and
 * a footer with the version and, when DB-IP data is used, its attribution.
 */
export function renderPage(options: PageOptions): string {
  const { settings } = options;
  const current = (name: PageOptions['nav']) =>
    options.nav === name ? html` aria-current="page"` : '';
  const v = encodeURIComponent(settings.version);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · x-inbox</title>
<link rel="stylesheet" href="/ui/style.css?v=${v}">
<link rel="icon" href="data:,">
<script src="/ui/app.js?v=${v}" defer></script>
</head>
<body>
<header class="top">
  <a class="brand" href="/">x-inbox</a>
  <nav>
    <a href="/"${current('issues')}>Issues</a>
    <a href="/settings"${current('settings')}>Settings</a>
  </nav>
  <span class="live-status" id="live-status" hidden>live</span>
  <code class="dsn" title="DSN to give SDKs">${settings.dsn}</code>
</header>
<main>
${options.body}
</main>
<footer>
  x-inbox ${settings.version} · <a href="/settings">settings</a> · <a href="/api/health">JSON API</a>
  ${settings.geo.kind === 'dbip' ? html` · ${DBIP_ATTRIBUTION_HTML}` : ''}
</footer>
</body>
</html>
`.value;
}

/** A simple page for 404 and other errors. */
export function renderErrorPage(status: number, message: string, settings: UiSettings): string {
  return renderPage({
    title: `${status}`,
    settings,
    body: html`<h1>${status === 404 ? 'Not found' : `Error ${status}`}</h1>
      <p class="muted">${message}</p>
      <p><a href="/">Back to the issues</a></p>`,
  });
}
