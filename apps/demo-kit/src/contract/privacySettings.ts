// The demo contract's settings suites: whose IP is believed (TRUST_PROXY), what personal data is
// sent (X_SEND_DEFAULT_PII), and pseudonyms in place of identities (X_PSEUDONYMIZE_KEY).
import { type EnvelopeTap, startEnvelopeTap } from '@x/test-kit/envelope-tap';
import { type Started, startAppProcess, startInboxProcess } from '@x/test-kit/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts } from '../accounts.js';
import { bearer, eventsIn, type StoredEvent, tokenFor } from './helpers.js';

export function describeProxyAndPii(name: string, entry: string): void {
  describe(`${name}: TRUST_PROXY and X_SEND_DEFAULT_PII`, () => {
    let inbox: Started & { dsn: string };
    const apps: Started[] = [];
    beforeAll(async () => {
      inbox = await startInboxProcess();
    }, 60_000);
    afterAll(async () => {
      await Promise.all(apps.map((a) => a.stop()));
      await inbox?.stop();
    });
    const xff = { 'x-forwarded-for': '203.0.113.9' };

    it('X-Forwarded-For is ignored by default and believed with TRUST_PROXY', async () => {
      const plain = await startAppProcess(entry, { X_DSN: inbox.dsn });
      const proxied = await startAppProcess(entry, { X_DSN: inbox.dsn, TRUST_PROXY: '1' });
      apps.push(plain, proxied);
      expect(await (await fetch(`${plain.url}/whoami`, { headers: xff })).json()).toEqual({
        user: { ip_address: '127.0.0.1' },
      });
      expect(await (await fetch(`${proxied.url}/whoami`, { headers: xff })).json()).toEqual({
        user: { ip_address: '203.0.113.9' },
      });
    }, 60_000);

    it('with X_SEND_DEFAULT_PII=false: no IP, no email, nothing for an anonymous user', async () => {
      const before = (await eventsIn(inbox.url, 0, 0)).length;
      const app = await startAppProcess(entry, { X_DSN: inbox.dsn, X_SEND_DEFAULT_PII: 'false' });
      apps.push(app);
      expect(await (await fetch(`${app.url}/whoami`)).json()).toEqual({ user: null });
      const token = await tokenFor(app.url, 'carol');
      await fetch(`${app.url}/boom`, { headers: bearer(token) });
      const [event] = (await eventsIn(inbox.url, before + 1)).slice(before);
      expect(event?.user).toEqual({
        id: 'u-carol',
        username: 'carol',
        data: { subscription: 'enterprise' },
        sentry_user: 'id:u-carol',
      });
    }, 60_000);
  });
}

export function describePseudonymization(name: string, entry: string): void {
  describe(`${name}: X_PSEUDONYMIZE_KEY`, () => {
    let inbox: Started & { dsn: string };
    let tap: EnvelopeTap;
    const apps: Started[] = [];
    beforeAll(async () => {
      inbox = await startInboxProcess();
      tap = await startEnvelopeTap(inbox.dsn);
    }, 60_000);
    afterAll(async () => {
      await Promise.all(apps.map((a) => a.stop()));
      await tap?.close();
      await inbox?.stop();
    });
    const KEY = 'demo-contract-pseudonymize-key-1';

    /** One /boom by `username` on `app`; the stored event. */
    async function boom(app: Started, username: string): Promise<StoredEvent> {
      const before = (await eventsIn(inbox.url, 0, 0)).length;
      const res = await fetch(`${app.url}/boom`, {
        headers: bearer(await tokenFor(app.url, username)),
      });
      expect(res.status).toBe(500);
      const [event] = (await eventsIn(inbox.url, before + 1)).slice(before);
      if (!event) throw new Error('no event stored');
      return event;
    }
    const usersAffected = async (issueId: number) =>
      ((await (await fetch(`${inbox.url}/api/issues/${issueId}`)).json()) as { user_count: number })
        .user_count;

    it('sends pseudonyms, not ids, names or emails; users affected still counts people', async () => {
      const app = await startAppProcess(entry, { X_DSN: tap.dsn, X_PSEUDONYMIZE_KEY: KEY });
      apps.push(app);
      const first = await boom(app, 'alice');
      expect(first.user_key).toMatch(/^id:px_[0-9a-f]{32}$/);
      expect(first.user).toEqual({
        id: expect.stringMatching(/^px_[0-9a-f]{32}$/),
        username: expect.stringMatching(/^px_[0-9a-f]{32}$/),
        email: expect.stringMatching(/^px_[0-9a-f]{32}$/),
        ip_address: '127.0.0.1',
        data: { subscription: 'pro' },
        sentry_user: first.user_key,
      });
      const second = await boom(app, 'bob');
      const third = await boom(app, 'alice');
      expect(third.user_key).toBe(first.user_key);
      expect(second.user_key).not.toBe(first.user_key);
      expect(await usersAffected(first.issue_id)).toBe(2);
      const wire = tap.wire();
      for (const account of accounts.filter((a) => a.username !== 'carol'))
        for (const raw of [account.id, account.email, `"${account.username}"`])
          expect(wire).not.toContain(raw);
      expect(wire).not.toContain(KEY);
    }, 60_000);

    it('another process with the same key gives the same pseudonym; another key, another', async () => {
      const [same, other] = await Promise.all([
        startAppProcess(entry, { X_DSN: tap.dsn, X_PSEUDONYMIZE_KEY: KEY }),
        startAppProcess(entry, { X_DSN: tap.dsn, X_PSEUDONYMIZE_KEY: `${KEY}-other` }),
      ]);
      apps.push(same, other);
      const reference = await boom(apps[0] ?? same, 'carol');
      expect((await boom(same, 'carol')).user_key).toBe(reference.user_key);
      const elsewhere = await boom(other, 'carol');
      expect(elsewhere.user_key).toMatch(/^id:px_[0-9a-f]{32}$/);
      expect(elsewhere.user_key).not.toBe(reference.user_key);
    }, 60_000);
  });
}
