import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { InstrumentId, VenueId } from "../domain/Ids"
import { StaticData } from "../services/StaticData"
import * as StaticDataSet from "./StaticDataSet"

const at = (iso: string) => Date.parse(iso) * 1000

describe("StaticDataSet", () => {
  it.effect("loads the shipped set and answers with the version in force", () =>
    Effect.gen(function* () {
      const data = yield* StaticData
      expect(data.instruments.map((i) => i.id)).toContain("ESZ6.XCME")
      const es = yield* data.instrument("ESZ6.XCME" as InstrumentId)
      expect(es).toMatchObject({ tickSize: "0.25", multiplier: "50", margin: { initial: 600 } })
      expect("effectiveFrom" in es).toBe(false)
      // Listed from 2025-09-01 only.
      const before = yield* data.instrument("ESZ6.XCME" as InstrumentId, at("2025-06-01T00:00:00Z")).pipe(Effect.flip)
      expect(before.reason).toBe("UnknownInstrument")
      const xnys = yield* data.calendar("XNYS")
      expect(xnys.isHoliday(at("2026-11-26T15:00:00Z"))).toBe(true) // Thanksgiving
      expect(xnys.isHoliday(at("2026-11-25T15:00:00Z"))).toBe(false)
      expect(xnys.earlyClose(at("2026-11-27T15:00:00Z"))).toBe("13:00")
      const binance2025 = yield* data.feeSchedule("BINANCE" as VenueId, "crypto", at("2025-06-01T00:00:00Z"))
      const binance2026 = yield* data.feeSchedule("BINANCE" as VenueId, "crypto", at("2026-06-01T00:00:00Z"))
      expect(binance2025.rule).toEqual({ _tag: "MakerTaker", makerBps: 10, takerBps: 10 })
      expect(binance2026.rule).toEqual({ _tag: "MakerTaker", makerBps: 2, takerBps: 5 })
      const cme = yield* data.feeSchedule("XCME" as VenueId, "future")
      expect(cme.rule).toEqual({ _tag: "PerUnit", perLot: 225 })
      const eur = (when: string) => data.fxRates(at(when)).find((r) => r.base === "EUR" && r.quote === "USD")?.rate
      expect(eur("2024-06-01T00:00:00Z")).toBe("1.0850")
      expect(eur("2025-08-01T00:00:00Z")).toBe("1.1720")
      expect(eur("2023-06-01T00:00:00Z")).toBeUndefined()
    }).pipe(Effect.provide(StaticDataSet.layerShipped), Effect.provide(NodeContext.layer))
  )

  it.effect("refuses bad files, naming the file, the entry and the field", () =>
    Effect.gen(function* () {
      const shipped = yield* StaticDataSet.shippedDir
      const dir = mkdtempSync(join(tmpdir(), "meridian-static-"))
      cpSync(shipped, dir, { recursive: true })
      const instruments = JSON.parse(readFileSync(join(dir, "instruments.json"), "utf8"))
      instruments[1].tickSize = "0.015x"
      instruments[2].calendar = "NOPE"
      writeFileSync(join(dir, "instruments.json"), JSON.stringify(instruments))
      const error = yield* StaticDataSet.load(dir).pipe(Effect.flip)
      expect(error.reason).toBe("Invalid")
      expect(error.message).toMatch(/instruments\.1\.tickSize: "0.015x" is not a decimal number/)
      instruments[1].tickSize = "0.01"
      writeFileSync(join(dir, "instruments.json"), JSON.stringify(instruments))
      const reference = yield* StaticDataSet.load(dir).pipe(Effect.flip)
      expect(reference.message).toMatch(/instruments\.2\.calendar: unknown calendar NOPE/)
    }).pipe(Effect.provide(NodeContext.layer))
  )
})
