// The demo accounts every sample app logs in against (one fixture for all demos).
import { readFileSync } from 'node:fs';

/** @typedef {{ id: string, username: string, password: string, email: string, subscription: string }} DemoAccount */

/** @type {DemoAccount[]} */
export const accounts = JSON.parse(
  readFileSync(new URL('../accounts.json', import.meta.url), 'utf8'),
);

/**
 * The account for a username/password pair, or undefined.
 * @param {unknown} username
 * @param {unknown} password
 * @returns {DemoAccount | undefined}
 */
export function findAccount(username, password) {
  return accounts.find((a) => a.username === username && a.password === password);
}

/** The demo contract's routes, as each sample app lists them on `GET /`. */
export const DEMO_ROUTES = [
  'POST /login',
  'GET /whoami',
  'GET /boom',
  'GET /boom/async?delay=ms',
  'POST /report',
];
