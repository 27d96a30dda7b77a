import { captureMessage, withUser } from '@x/next';

export const POST = withUser(async () =>
  Response.json({ eventId: captureMessage('report from next-demo', 'info') }),
);
