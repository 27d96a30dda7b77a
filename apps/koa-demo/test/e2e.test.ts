import { join } from 'node:path';
import { describeDemoContract } from '@x/demo-kit/contract';

describeDemoContract('koa-demo', join(__dirname, '..', 'dist', 'server.js'));
