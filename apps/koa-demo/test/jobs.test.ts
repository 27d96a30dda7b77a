import { join } from 'node:path';
import { describeJobs } from '@x/demo-kit/contract';

describeJobs('koa-demo', join(__dirname, '..', 'dist', 'server.js'));
