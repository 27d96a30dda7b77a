export const dynamic = 'force-dynamic';

/** A server component that fails while rendering (reported through onRequestError). */
export default async function ServerComponentError(): Promise<never> {
  await Promise.resolve();
  throw new Error('server component boom');
}
