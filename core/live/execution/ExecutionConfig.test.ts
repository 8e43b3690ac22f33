import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeContext } from "@effect/platform-node"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { connectorKind } from "./Connector"
import { loadConfig } from "./ExecutionProgram"

const dir = mkdtempSync(join(tmpdir(), "meridian-execution-config-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const write = (name: string, config: unknown) => {
  const file = join(dir, name)
  writeFileSync(file, JSON.stringify(config))
  return file
}

const valid = {
  listen: { host: "127.0.0.1", port: 0 },
  instance: "execution-1",
  keys: {},
  journalDir: "journal",
  accounts: { address: { host: "127.0.0.1", port: 7400 }, shards: 1, key: { env: "K" } },
  marketData: { address: { path: "/tmp/md.sock" }, key: { env: "K" } },
  connector: { sim: {} }
}

describe("Execution Service configuration", () => {
  it.effect("fills the defaults: region local, marks on, no lockstep, the backtest's venue defaults", () =>
    Effect.gen(function* () {
      const config = yield* loadConfig(write("ok.json", valid))
      expect(config).toMatchObject({
        region: "local",
        marks: true,
        lockstep: false,
        connector: { sim: { barFill: "next-open", commission: "0", latencyUs: 0, seed: 1 } }
      })
    }).pipe(Effect.provide(NodeContext.layer))
  )

  it.effect("refuses a bad file in one line naming every field at fault", () =>
    Effect.gen(function* () {
      const file = write("bad.json", {
        ...valid,
        accounts: { ...valid.accounts, shards: 0 },
        connector: { sim: { commission: "ten" } }
      })
      const error = yield* Effect.flip(loadConfig(file))
      expect(error._tag).toBe("ExecutionConfigError")
      expect(error.message).not.toContain("\n")
      expect(error.message).toContain("accounts.shards")
      expect(error.message).toContain("connector.sim.commission: commission must be a decimal fraction")
    }).pipe(Effect.provide(NodeContext.layer))
  )

  it.effect("takes one connector kind: a plugin's options are left to the runtime's table to decode", () =>
    Effect.gen(function* () {
      const fix = yield* loadConfig(write("fix.json", { ...valid, connector: { fix: { host: "127.0.0.1" } } }))
      expect(fix.connector).toEqual({ fix: { host: "127.0.0.1" } })
      const two = yield* Effect.flip(loadConfig(write("two.json", { ...valid, connector: { sim: {}, fix: {} } })))
      expect(two.message).toContain("connector names one kind")
    }).pipe(Effect.provide(NodeContext.layer))
  )

  it.effect("a kind's options decode under connector.<kind>, every field at fault in one line", () =>
    Effect.gen(function* () {
      const kind = connectorKind("fix", Schema.Struct({ host: Schema.String, port: Schema.Int }), () =>
        Effect.die("not built")
      )
      const error = yield* Effect.flip(
        Effect.scoped(kind.make({ port: 1.5 }, { specs: undefined as never, baseDir: dir }))
      )
      expect(error.message).toMatch(/^connector\.fix\.host: .+; connector\.fix\.port: .+$/)
    })
  )
})
