/**
 * The Strategies Service's side of `Deployments.ts`: a deployment's strategy is loaded and its parameters decoded
 * before its input is journaled (a refusal changes nothing), and again, before the replay, for every deployment
 * in the journal; the host takes the prepared strategy when it applies the input. Answers go out once the input is
 * durable.
 */
import { Effect, Either, ParseResult, Schema } from "effect"
import type { Currency } from "../../../domain/Currency"
import type { CurrencyCode } from "../../../domain/Ids"
import type { Instrument } from "../../../domain/Instrument"
import { makeSpecs } from "../../../domain/InstrumentSpec"
import { decodeParams } from "../../../strategy/Params"
import type { AnyStrategy } from "../../../strategy/Strategy"
import { type Deployment, DeploymentRefused, DeploymentRequest, type DeploymentView } from "../Deployments"
import type { PreparedDeployment, StrategiesHost } from "../StrategiesHost"
import type { StrategiesSession } from "../StrategiesSession"
import { decodeInput } from "./inputs"

export interface DeployerOptions {
  /** The strategy a deployment names, and the version it has here. */
  readonly load: (
    name: string
  ) => Effect.Effect<{ readonly strategy: AnyStrategy; readonly version: string }, { readonly message: string }>
  readonly instruments: ReadonlyArray<Instrument>
  readonly currencies: ReadonlyArray<Currency>
  readonly defaultBase: Currency
}

const refused = (message: string) => new DeploymentRefused({ message })

/** The first problem of a request that does not decode, naming its field. */
const oneLine = (error: ParseResult.ParseError): string => {
  const [first] = ParseResult.ArrayFormatter.formatErrorSync(error)
  if (first === undefined) return "invalid request"
  return first.path.length === 0 ? first.message : `${first.path.join(".")}: ${first.message}`
}

export class Deployer {
  /** Prepared deployments by their journaled form. */
  private readonly prepared = new Map<string, PreparedDeployment>()
  private readonly waiting: Array<{ readonly record: number; readonly answer: () => void }> = []

  constructor(private readonly options: DeployerOptions) {}

  /** What the host applies for `deployment` (prepared before its input was journaled or replayed). */
  readonly prepare = (deployment: Deployment): PreparedDeployment =>
    this.prepared.get(JSON.stringify(deployment)) ?? { error: "its strategy was not loaded" }

  /** Load the strategy of every deployment in the journal's payloads; one that no longer loads is failed, not fatal. */
  prepareJournal(payloads: ReadonlyArray<Uint8Array>): Effect.Effect<void> {
    const deployments = payloads.flatMap((payload) => {
      const input = decodeInput(payload)
      return input.k === "D" ? [input.d] : []
    })
    return Effect.forEach(
      deployments,
      (d) =>
        this.load(d).pipe(
          Effect.match({
            onFailure: (e) => this.prepared.set(JSON.stringify(d), { error: e.message }),
            onSuccess: () => undefined
          })
        ),
      { discard: true }
    )
  }

  /** The journal made records through `durable` durable: answer the requests they hold. */
  release(durable: number): void {
    let done = 0
    while (done < this.waiting.length && this.waiting[done]!.record <= durable) this.waiting[done++]!.answer()
    if (done > 0) this.waiting.splice(0, done)
  }

  /** Answer a request about deployments: `reply` once its input is durable, or `fail` with one line. */
  handle(
    body: unknown,
    host: StrategiesHost,
    session: StrategiesSession,
    durable: () => number,
    reply: (value: unknown) => void,
    fail: (error: DeploymentRefused) => void
  ): Effect.Effect<void> {
    const whenDurable = (record: number, value: unknown) => {
      if (durable() >= record) reply(value)
      else this.waiting.push({ record, answer: () => reply(value) })
    }
    return Effect.gen(this, function* () {
      const request = yield* Schema.decodeUnknown(DeploymentRequest)(body).pipe(
        Effect.mapError((e) => refused(oneLine(e)))
      )
      switch (request._tag) {
        case "Deployments":
          return reply({ _tag: "Deployments", deployments: host.deployments() satisfies ReadonlyArray<DeploymentView> })
        case "Start":
        case "Stop": {
          if (!host.deployments().some((d) => d.id === request.id)) {
            return yield* refused(`id: no strategy instance ${request.id}`)
          }
          const record = session.control({ k: request._tag === "Start" ? "g" : "h", id: request.id })
          return whenDurable(record, { _tag: request._tag === "Start" ? "Started" : "Stopped" })
        }
        case "Deploy": {
          const { _tag, version: wanted, ...fields } = request
          const loaded = yield* this.options
            .load(fields.strategy)
            .pipe(Effect.mapError((e) => refused(`strategy: ${e.message}`)))
          if (wanted !== undefined && loaded.version !== wanted) {
            return yield* refused(`version: ${fields.strategy} is version ${loaded.version} here, not ${wanted}`)
          }
          const deployment: Deployment = { ...fields, version: loaded.version }
          const problem = host.refusal(deployment)
          if (problem !== undefined) return yield* refused(problem)
          yield* this.load(deployment, loaded.strategy)
          const record = session.control({ k: "D", d: deployment })
          return whenDurable(record, { _tag: "Deployed", deployment })
        }
      }
    }).pipe(Effect.catchAll((e) => Effect.sync(() => fail(e))))
  }

  /** Prepare `d`: its strategy loaded (unless given), its parameters decoded, its instruments and currency found. */
  private load(d: Deployment, given?: AnyStrategy): Effect.Effect<void, DeploymentRefused> {
    return Effect.gen(this, function* () {
      const strategy =
        given ??
        (yield* this.options.load(d.strategy).pipe(Effect.mapError((e) => refused(`strategy: ${e.message}`)))).strategy
      const params = decodeParams(strategy.params, d.params)
      if (Either.isLeft(params)) return yield* refused(`params.${params.left}`)
      const instruments =
        d.instruments === undefined
          ? this.options.instruments
          : yield* Effect.forEach(d.instruments, (id, k) => {
              const found = this.options.instruments.find((instrument) => instrument.id === id)
              return found === undefined
                ? Effect.fail(refused(`instruments.${k}: ${id} is not in the static data`))
                : Effect.succeed(found)
            })
      const base =
        d.baseCurrency === undefined
          ? this.options.defaultBase
          : this.options.currencies.find((c) => c.code === (d.baseCurrency as CurrencyCode))
      if (base === undefined) return yield* refused(`baseCurrency: unknown ${d.baseCurrency}`)
      const specs = makeSpecs(instruments, this.options.currencies)
      this.prepared.set(JSON.stringify(d), {
        strategy: { id: d.id, accountId: d.account, specs, program: strategy.program(params.right) },
        base
      })
    })
  }
}
