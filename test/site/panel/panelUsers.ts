/**
 * The users of a browser test, stored in the embedded database of its folder as `meridian user add` stores them
 * (an argon2id hash, one role, an investor's accounts, audited), but in this process and with one opening of the database:
 * a `meridian user add` process per user costs five seconds of CPU each (the bundle, the database opened and
 * migrated), most of a browser test's set-up. One user of each test still goes through the real command.
 */
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { Effect, Layer, Redacted } from "effect"
import * as Database from "../../../core/db/Database"
import * as Investors from "../../../core/db/Investors"
import * as PanelUsers from "../../../core/db/PanelUsers"
import type { AccountId } from "../../../core/domain/Ids"
import { storeUser } from "../../../runtimes/cli/UserHandlers"
import * as Password from "../../../site/panel/Password"

export interface User {
  readonly name: string
  readonly role: PanelUsers.Role
  /** An investor's accounts. */
  readonly accounts?: ReadonlyArray<AccountId>
}

/** Add `users`, all with `password`, to the embedded database of `cwd` (`.meridian/db`, as the commands default). */
export const addUsers = (cwd: string, password: string, users: ReadonlyArray<User>): Promise<void> => {
  const dataDir = join(cwd, ".meridian", "db")
  // PGlite makes only the last folder.
  mkdirSync(join(cwd, ".meridian"), { recursive: true })
  return Effect.gen(function* () {
    const passwordHash = yield* Password.hash(Redacted.make(password))
    for (const user of users) {
      yield* storeUser({ name: user.name, role: user.role, accounts: user.accounts ?? [], passwordHash })
    }
  }).pipe(
    Effect.provide(
      Layer.provideMerge(Layer.merge(PanelUsers.layer, Investors.layer), Database.layerEmbedded({ dataDir }))
    ),
    Effect.runPromise
  )
}
