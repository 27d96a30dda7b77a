'use client';

import { useState } from 'react';
import { clearUserAction, failingAction, reassignAction } from './actions';

/** One button per kind of error a Next app can have. */
export function ErrorButtons() {
  const [status, setStatus] = useState('');
  const [broken, setBroken] = useState(false);
  if (broken) throw new Error('client render boom');
  return (
    <section>
      <button
        type="button"
        id="server-action"
        onClick={() => failingAction().catch(() => setStatus('server action failed'))}
      >
        Server action error
      </button>
      <button
        type="button"
        id="server-action-set-user"
        onClick={() => reassignAction().catch(() => setStatus('set-user action failed'))}
      >
        Server action with setUser
      </button>
      <button
        type="button"
        id="server-action-clear-user"
        onClick={() => clearUserAction().catch(() => setStatus('clear-user action failed'))}
      >
        Server action with setUser(null)
      </button>
      <button
        type="button"
        id="route-handler"
        onClick={async () => setStatus(`route handler answered ${(await fetch('/boom')).status}`)}
      >
        Route handler error
      </button>
      <a id="server-component" href="/errors/server-component">
        Server component error
      </a>
      <button
        type="button"
        id="client-error"
        onClick={() => {
          setTimeout(() => {
            throw new Error('client boom');
          });
          setStatus('client error thrown');
        }}
      >
        Client-side error
      </button>
      <button type="button" id="client-render" onClick={() => setBroken(true)}>
        Client render error
      </button>
      <p id="status">{status}</p>
    </section>
  );
}
