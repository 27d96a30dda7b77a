import { join } from 'node:path';
import { describeJobs } from '@x/demo-kit/contract';

describeJobs('nest-demo', join(__dirname, '..', 'dist', 'main.js'));
