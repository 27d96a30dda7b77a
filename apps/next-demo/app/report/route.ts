import { withUser } from '@x/next';
import { report } from '../../lib/report';

export const POST = withUser(async () =>
  Response.json({ eventId: await report('report from next-demo') }),
);
