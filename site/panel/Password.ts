/**
 * Passwords of the Control Panel's users: argon2id (`@node-rs/argon2`, its default parameters: 19 MiB, 2 passes),
 * stored as the PHC string that names its own parameters, so a later change of cost still verifies old hashes.
 *
 * @since 0.1.0
 */
import { hash as argon2Hash, verify as argon2Verify } from "@node-rs/argon2"
import { Effect, Redacted, Schema } from "effect"

/**
 * Hashing or verifying failed (not a wrong password: that is `false`).
 *
 * @since 0.1.0
 * @category errors
 */
export class PasswordError extends Schema.TaggedError<PasswordError>()("PasswordError", {
  message: Schema.String
}) {}

/**
 * The PHC string of a new salted argon2id hash of `password`.
 *
 * @since 0.1.0
 */
export const hash = (password: Redacted.Redacted<string>): Effect.Effect<string, PasswordError> =>
  Effect.tryPromise({
    try: () => argon2Hash(Redacted.value(password)),
    catch: (e) => new PasswordError({ message: `cannot hash the password: ${String(e)}` })
  })

/**
 * Whether `password` matches `stored`. A malformed stored hash does not match.
 *
 * @since 0.1.0
 */
export const verify = (stored: string, password: Redacted.Redacted<string>): Effect.Effect<boolean> =>
  Effect.tryPromise(() => argon2Verify(stored, Redacted.value(password))).pipe(Effect.orElseSucceed(() => false))
