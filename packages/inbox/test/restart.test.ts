// Restarting the inbox on the same database keeps every event, issue and user count.
import { describe, expect, it } from 'vitest';
import type { IssueDetail } from '../src/index';
import { get, sendEvent, startTestInbox } from './helpers';

describe('restart', () => {
  it('keeps every stored event, issue and user count', async () => {
    const home = await startTestInbox();
    const sent = [];
    for (let i = 0; i < 5; i++) {
      sent.push(await sendEvent(home, { message: 'restart', user: { id: `r${i % 2}` } }));
    }
    const issuesBefore = await get(home, '/api/issues');
    const eventsBefore = await get(home, '/api/events');
    await home.close();

    const again = await startTestInbox({}, home.dir);
    try {
      expect(again.dbFile).toBe(home.dbFile);
      for (const event of sent) expect(await get(again, `/api/events/${event.id}`)).toEqual(event);
      expect(await get(again, '/api/issues')).toEqual(issuesBefore);
      expect(await get(again, '/api/events')).toEqual(eventsBefore);
      const issue = await get<IssueDetail>(again, `/api/issues/${sent[0]?.issue_id}`);
      expect([issue.event_count, issue.user_count]).toEqual([5, 2]);
    } finally {
      await again.dispose();
    }
  });
});
