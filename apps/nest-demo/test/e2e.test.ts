import { join } from 'node:path';
import { describeDemoContract } from '@x/demo-kit/contract';

describeDemoContract('nest-demo', join(__dirname, '..', 'dist', 'main.js'));
