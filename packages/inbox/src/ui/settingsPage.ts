import type { ForwardingStats } from '../forwarder';
import { DBIP_CITY_PACKAGE, DBIP_COUNTRY_PACKAGE } from '../geo';
import { count } from './format';
import { html, type SafeHtml } from './html';
import { DBIP_ATTRIBUTION_HTML, type UiSettings } from './layout';

/** What {@link renderSettingsPage} shows besides the settings. */
export interface SettingsPageData {
  settings: UiSettings;
  counts: { events: number; issues: number; client_reports: number };
  forwarding: ForwardingStats | null;
}

/**
 * The settings (`/settings`): the DSN with a copy button, whether IPs are
 * stored, the geo database (with DB-IP's attribution), proxy trust, key
 * policy, forwarding and the database.
 */
export function renderSettingsPage({ settings, counts, forwarding }: SettingsPageData): SafeHtml {
  const geo =
    settings.geo.kind === 'dbip'
      ? settings.geo.level === 'city'
        ? html`DB-IP Lite City (<code>${DBIP_CITY_PACKAGE}</code>): city, region and country. ${DBIP_ATTRIBUTION_HTML}.`
        : html`DB-IP Lite Country (<code>${DBIP_COUNTRY_PACKAGE}</code>): country only; install <code>${DBIP_CITY_PACKAGE}</code> for city and region. ${DBIP_ATTRIBUTION_HTML}.`
      : settings.geo.kind === 'maxmind'
        ? html`MaxMind City database <code>${settings.geo.path}</code>`
        : html`off (<code>--no-geo</code>): no geo lookup`;
  const trust = settings.trustProxy;
  return html`<div class="page-head"><h1>Settings</h1>
<p class="muted">Set with <code>x-inbox</code> flags (or <code>startInbox</code> options); read-only here.</p></div>
<section class="card settings">
<h2>Connect an SDK</h2>
<div class="copy-row">
  <input id="dsn" class="mono" type="text" readonly value="${settings.dsn}" aria-label="DSN">
  <button type="button" data-copy="dsn">Copy DSN</button>
</div>
<p class="muted">e.g. <code>init({ dsn: '${settings.dsn}' })</code> with <code>@x/core</code> or any Sentry SDK.</p>
</section>
<section class="card settings">
<h2>Privacy and users</h2>
<dl class="kv">
  <div><dt>IP addresses</dt><dd class="ip-setting">${
    settings.preventStoringIp
      ? html`<strong>not stored</strong> (<code>--prevent-storing-ip</code>): used for geo, then removed`
      : html`stored (start with <code>--prevent-storing-ip</code> to drop them after the geo lookup)`
  }</dd></div>
  <div><dt>Geo database</dt><dd class="geo-setting">${geo}</dd></div>
  <div><dt>Trust proxy</dt><dd>${
    trust === false
      ? html`off: the connection's address is the client IP`
      : html`<code>${String(trust)}</code> (<code>X-Forwarded-For</code> is believed)`
  }</dd></div>
  <div><dt>Public key</dt><dd>${
    settings.keyRestricted
      ? 'only the key in the DSN is accepted (--key)'
      : 'any key is accepted (development)'
  }</dd></div>
</dl>
</section>
<section class="card settings">
<h2>Storage and forwarding</h2>
<dl class="kv">
  <div><dt>Database</dt><dd><code>${settings.dbPath}</code> (SQLite via <code>${settings.sqliteDriver}</code>) — ${count(counts.events)} events, ${count(counts.issues)} issues, ${count(counts.client_reports)} client reports</dd></div>
  <div><dt>Forwarding</dt><dd>${
    settings.forward
      ? html`to <code>${settings.forward}</code>${forwarding ? ` — sent ${forwarding.sent}, failed ${forwarding.failed}, dropped ${forwarding.dropped}` : ''}`
      : 'off'
  }</dd></div>
  <div><dt>Inbox</dt><dd><code>${settings.url}</code>, version ${settings.version}</dd></div>
</dl>
</section>`;
}
