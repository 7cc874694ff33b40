/**
 * A database call made while handling a message failed (a Turso blip, a busy file). It is the
 * mailbox's trouble, never the message's: the run is retried rather than the message skipped.
 * The driver's error is dropped on purpose, since its text can quote the statement.
 */
export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
}

export async function inDatabase<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch {
    throw new DatabaseError('database call failed');
  }
}
