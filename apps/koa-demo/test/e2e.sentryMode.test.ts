import { join } from 'node:path';
import { describeSentryMode } from '@x/demo-kit/contract';

describeSentryMode('koa-demo', join(__dirname, '..', 'dist', 'server.js'));
