import { toHex } from '../crypto/encoding';
import { hmacSha256, normaliseAddress } from '../crypto/hmac';

/**
 * The name a push gives a mailbox on the queue: a keyed hash of its address (hex, 64 characters),
 * so the queue message carries no address and the push handler needs no database round trip to
 * find the account. Tagged so that it never equals the opt-out hash of the same address.
 */
export async function mailboxKeyOf(hashKey: string, mailbox: string): Promise<string> {
  return toHex(await hmacSha256(hashKey, `gmail-mailbox:${normaliseAddress(mailbox)}`));
}
