/**
 * Random tokens (the session cookie, CSRF tokens) from the platform's cryptographic generator, and the digest under
 * which a session token is stored. Web Crypto: the same on Node and Bun.
 */
import { Effect } from "effect"

/** 32 random bytes, base64url. */
export const randomToken = (): string => {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return Buffer.from(bytes).toString("base64url")
}

/** SHA-256 of a token, hex: what the database keeps, so that a copy of it opens no session. */
export const digest = (token: string): Effect.Effect<string> =>
  Effect.promise(() => crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))).pipe(
    Effect.map((hash) => Buffer.from(hash).toString("hex"))
  )

/** Whether two tokens are equal, in time that does not depend on where they differ. */
export const sameToken = (a: string, b: string): boolean => {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return difference === 0
}
