import type { IssueDetail, UsersByValue } from '../apiTypes';
import { count, issueHref, jsonText, plural } from './format';
import { html, type SafeHtml } from './html';

/**
 * "Users by": a form to pick a key of the affected users' custom data (`user.data`, e.g.
 * `subscription`) and, once picked, the users counted per value — each user once, by the value on
 * their latest event of the issue. A plain GET form (`?by=`), so it works without scripts; the
 * UI's script submits it when the choice changes.
 */
export function renderUsersByCard(issue: IssueDetail, usersBy: UsersByValue | undefined): SafeHtml {
  const keys = [...issue.user_data_keys];
  if (usersBy && !keys.includes(usersBy.key)) keys.push(usersBy.key);
  if (keys.length === 0) {
    return html`<section class="card users-by">
  <h2>Users by custom data</h2>
  <p class="empty">No affected user has custom data (<code>user.data</code>) to count them by.</p>
</section>`;
  }
  const options = keys.map(
    (key) =>
      html`<option value="${key}"${key === usersBy?.key ? html` selected` : ''}>${key}</option>`,
  );
  return html`<section class="card users-by">
  <h2>Users by custom data</h2>
  <form class="users-by-form" method="get" action="${issueHref(issue.id)}" data-submit-on-change>
    <label>Count users by <select name="by">
      ${usersBy ? '' : html`<option value="" selected disabled>choose a key</option>`}${options}
    </select></label>
    <button type="submit">Count</button>
  </form>
  ${usersBy ? breakdown(usersBy) : html`<p class="muted">Pick a key of the users' custom data to see how many users have each value.</p>`}
</section>`;
}

/** The values of one key with their users, most first, and the users without the key. */
function breakdown(usersBy: UsersByValue): SafeHtml {
  const rows = usersBy.values.map(
    ({ value, users }) => html`<tr class="users-by-value" data-value="${jsonText(value)}">
  <td class="value${typeof value === 'string' ? '' : ' mono'}">${jsonText(value)}</td>
  <td class="num">${count(users)}</td>
</tr>`,
  );
  const without = usersBy.users_without
    ? html`<tr class="users-by-without"><td class="value muted">no <code>${usersBy.key}</code></td><td class="num">${count(usersBy.users_without)}</td></tr>`
    : '';
  return html`<table class="list users-by-table"><thead><tr><th>${usersBy.key}</th><th class="num">Users</th></tr></thead>
<tbody>${rows}${without}</tbody></table>
<p class="muted">Each user counted once, by the value on their latest event of this issue${
    usersBy.more_values
      ? html`; showing the ${plural(usersBy.values.length, 'value')} with the most users`
      : ''
  }.</p>`;
}
