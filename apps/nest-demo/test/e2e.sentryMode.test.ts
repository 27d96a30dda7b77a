import { join } from 'node:path';
import { describeSentryMode } from '@x/demo-kit/contract';

describeSentryMode(
  'nest-demo',
  join(__dirname, '..', 'dist', 'main.js'),
  'sentry.javascript.nestjs',
);
