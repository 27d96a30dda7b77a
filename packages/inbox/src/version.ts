/** The version of @x/inbox (reported by `GET /api/health` and `x-inbox --version`). */
export const VERSION = '0.1.0';
