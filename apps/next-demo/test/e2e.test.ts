import { join } from 'node:path';
import { describeDemoContract } from '@x/demo-kit/contract';

describeDemoContract('next-demo', join(__dirname, '..', 'server.mjs'));
