/** A demo account: the user, its password and a custom field. */
export interface DemoAccount {
  id: string;
  username: string;
  password: string;
  email: string;
  subscription: string;
}
/** The demo accounts every sample app logs in against. */
export const accounts: DemoAccount[];
/** The account for a username/password pair, or undefined. */
export function findAccount(username: unknown, password: unknown): DemoAccount | undefined;
/** The demo contract's routes, as each sample app lists them on `GET /`. */
export const DEMO_ROUTES: string[];
