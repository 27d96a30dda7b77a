import { join } from 'node:path';
import { describeSentryMode } from '@x/demo-kit/contract';

describeSentryMode('next-demo', join(__dirname, '..', 'server.mjs'), 'sentry.javascript.nextjs');
