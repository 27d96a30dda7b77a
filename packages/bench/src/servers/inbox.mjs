// The inbox under test: `startInbox` on a fresh database (geo lookups on, as `x-inbox` runs).
import { startInbox } from '@x/inbox';

const inbox = await startInbox({ port: 0, dbPath: process.env.BENCH_DB, log: () => {} });
process.on('message', async (message) => {
  if (message?.cmd === 'close') {
    await inbox.close(); // checkpoints the WAL into the database file
    process.send({ cmd: 'close' }, () => process.exit(0)); // exit: lets --cpu-prof write
  }
});
process.send({ cmd: 'ready', port: Number(new URL(inbox.url).port) });
