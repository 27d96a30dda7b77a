// The adapter tests read events back from a real in-process inbox.
export type { StoredEvent } from '@x/test-kit/inbox';
export { startTestInbox, storedEvent, storedEvents } from '@x/test-kit/inbox';
