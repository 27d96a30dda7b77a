import { join } from 'node:path';
import { describeDemoContract, describeNestContexts } from '@x/demo-kit/contract';

const entry = join(__dirname, '..', 'dist', 'main.js');
describeDemoContract('nest-demo', entry);
describeNestContexts('nest-demo', entry);
