// The adapter tests read events back from a real in-process inbox.
export type { StoredEvent } from '@x/demo-kit/inbox';
export { startTestInbox, storedEvent, storedEvents } from '@x/demo-kit/inbox';
