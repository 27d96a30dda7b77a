/**
 * The web UI's only script, served as `/ui/app.js` (the CSP allows no inline
 * code). It turns `<time data-relative>` into "3 min ago", wires the copy
 * button, the filter form and the issue page's "users by" form, and keeps `[data-live]` regions current: it
 * polls `/ui/latest` every 2 s and, when a new event was stored, fetches the
 * page again and swaps the region's content for the server-rendered one (the
 * server escapes everything, and parsed markup runs no scripts).
 */
export const UI_SCRIPT = `'use strict';
(() => {
  const POLL_MS = 2000;
  const units = [['year', 31536e6], ['month', 2592e6], ['day', 864e5], ['hour', 36e5], ['minute', 6e4], ['second', 1e3]];
  const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto', style: 'short' });

  function relative(ms) {
    const diff = ms - Date.now();
    for (const [unit, size] of units) {
      if (Math.abs(diff) >= size || unit === 'second') {
        return Math.abs(diff) < 5000 ? 'just now' : rtf.format(Math.round(diff / size), unit);
      }
    }
    return '';
  }

  function updateTimes(root) {
    for (const el of root.querySelectorAll('time[data-relative]')) {
      const ms = Date.parse(el.dateTime);
      if (!Number.isNaN(ms)) el.textContent = relative(ms);
    }
  }

  document.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('[data-copy]') : null;
    if (!button) return;
    const input = document.getElementById(button.dataset.copy);
    if (!input) return;
    const done = (text) => {
      const before = button.textContent;
      button.textContent = text;
      setTimeout(() => { button.textContent = before; }, 1500);
    };
    input.select();
    if (navigator.clipboard) {
      navigator.clipboard.writeText(input.value).then(() => done('Copied'), () => done('Press Ctrl+C'));
    } else {
      done('Press Ctrl+C');
    }
  });

  // Erase a user: confirm, DELETE through the API (same origin), then say what was removed.
  document.addEventListener('click', async (event) => {
    const button = event.target instanceof Element ? event.target.closest('[data-erase-user]') : null;
    if (!button) return;
    const key = button.dataset.eraseUser;
    const n = button.dataset.eraseEvents;
    const question = 'Erase everything stored about ' + key + '?\\n\\n' + n +
      ' event(s) will be deleted from the database file, and the issues recounted. This cannot be undone.';
    if (!window.confirm(question)) return;
    const status = document.querySelector('[data-erase-status]');
    button.disabled = true;
    try {
      const response = await fetch('/api/users/' + encodeURIComponent(key), { method: 'DELETE' });
      const body = await response.json();
      if (!response.ok) throw new Error(body.detail || response.status);
      const main = document.querySelector('main');
      const heading = document.createElement('h1');
      heading.textContent = 'Erased ' + body.user_key;
      const summary = document.createElement('p');
      summary.className = 'erased-summary';
      summary.textContent = body.events + ' event(s) deleted; ' + body.issues_removed +
        ' issue(s) removed, ' + body.issues_updated + ' recounted.';
      const back = document.createElement('a');
      back.href = '/';
      back.textContent = 'Back to the issues';
      main.replaceChildren(heading, summary, back);
    } catch (error) {
      button.disabled = false;
      if (status) status.textContent = 'Not erased: ' + (error instanceof Error ? error.message : error);
    }
  });

  for (const form of document.querySelectorAll('form[data-autosubmit]')) {
    for (const select of form.querySelectorAll('select')) {
      select.addEventListener('change', () => form.requestSubmit());
    }
  }

  // Delegated, so a form inside a live region still submits after the region was swapped.
  document.addEventListener('change', (event) => {
    const target = event.target;
    if (!(target instanceof HTMLSelectElement)) return;
    const form = target.closest('form[data-submit-on-change]');
    if (form) form.requestSubmit();
  });

  const live = document.querySelector('[data-live]');
  const status = document.getElementById('live-status');
  if (live) {
    let busy = false;
    if (status) status.hidden = false;
    const poll = async () => {
      if (busy) return;
      busy = true;
      try {
        const latest = await fetch('/ui/latest', { cache: 'no-store' }).then((r) => r.json());
        if (String(latest.seq) === live.dataset.seq) return;
        const response = await fetch(location.href, { cache: 'no-store' });
        if (!response.ok) return;
        const doc = new DOMParser().parseFromString(await response.text(), 'text/html');
        const next = doc.querySelector('[data-live]');
        if (!next) return;
        // Copy the list first: adopting a node removes it from the live childNodes list.
        const nodes = Array.from(next.childNodes);
        live.replaceChildren(...nodes.map((node) => document.adoptNode(node)));
        live.dataset.seq = next.dataset.seq;
        updateTimes(live);
        if (status) status.classList.remove('offline');
      } catch {
        if (status) status.classList.add('offline');
      } finally {
        busy = false;
      }
    };
    setInterval(poll, POLL_MS);
  }

  updateTimes(document);
  setInterval(() => updateTimes(document), 10000);
})();
`;
