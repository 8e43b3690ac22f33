/**
 * The Accounts Service on the wire: its shards behind one protocol server.
 *
 * - A request is one `ShardInput` (a command, a venue report or a mark), decoded with `Schema` (the hot shapes by
 *   hand first, `internal/fastInput.ts`, which agrees with it); the answer is its
 *   `Outcome`, sent once the input is durable in its shard's journal. `{ _tag: "Watermark" }` is answered at once,
 *   unjournaled, with each shard's last `events` and `executions` sequence (`Watermark`): what went out so far. An input that does not decode fails the
 *   request with `InvalidInput` and a one-line message naming the field, and changes nothing.
 * - An input goes to the shard that holds its account; a mark, a firm- or strategy-wide limit and the firm's kill
 *   switch to every shard (each shard checks its own accounts against it).
 * - `{ _tag: "RiskControls" }` is answered at once, unjournaled, with every scope's limits and kill switches
 *   (`RiskControls.ts`).
 * - `{ _tag: "Status" }` is answered with the service's `ServiceStatus`.
 * - A command may carry its sender's journal tail (`senderTail`, see `SenderTails`), journaled with it;
 *   `{ _tag: "SenderTail", sender, after }` is answered at once with the sender's records after `after`.
 * - Topics: `events/<shard>` (account events), `executions/<shard>` (venue commands for the Execution
 *   Service) and `navs/<shard>` (each account's NAV at the hour ends of the service's clock and after each cash
 *   movement, `NavMarks`), numbered from 1 per shard and resumable from any sequence the shard retains.
 *
 * @since 0.1.0
 */
import { Effect, Either, Schema, type Scope } from "effect"
import type { ParseError } from "effect/ParseResult"
import type { AccountEvent } from "../../domain/Events"
import type { JournalError } from "../../journal/Journal"
import { formatIssue, issuesOf } from "../../protocol/Codec"
import {
  type PeerIdentity,
  type ProtocolError,
  type Server,
  type ServerOptions,
  type Session,
  serve
} from "../../protocol/Protocol"
import type { StreamSource } from "../../protocol/StreamSource"
import { type Address, formatAddress, type Transport } from "../../protocol/Transport"
import { coreVersion, isStatusRequest, type ServiceStatus, sessionsOf } from "../ServiceStatus"
import { AccountsShard, type Answer, type Outcome, type ShardOptions } from "./AccountsShard"
import { accountValues, isAccountValuesRequest } from "./AccountValues"
import type { EventLog } from "./EventLog"
import { AcceptedAnswers } from "./internal/answerBytes"
import { decodeHotInput } from "./internal/fastInput"
import { isRiskControlsRequest, riskControlsOf } from "./RiskControls"
import { type SenderTail, SenderTailRequest, senderTailOf } from "./SenderTails"
import { requestIdOf, ShardInput } from "./ShardInput"

export interface AccountsServerOptions {
  readonly transport: Transport
  readonly address: Address
  readonly identity: PeerIdentity
  readonly keys: ServerOptions["keys"]
  readonly shards: ReadonlyArray<ShardOptions>
  /** Called with each input's outcome and how long it took from arrival to answer, in ms (for metrics). */
  readonly onOutcome?: (outcome: Outcome, elapsedMs: number) => void
  /** Who and where this service is, for the answer to `Status` (its streams and sessions are added here). */
  readonly describe?: { readonly region: string; readonly startedAt: string }
}

export interface AccountsServer {
  readonly server: Server
  readonly shards: ReadonlyArray<AccountsShard>
}

/** Each shard's last sequence of its `events/<shard>` and `executions/<shard>` topics, shard by shard. */
export interface Watermark {
  readonly events: ReadonlyArray<number>
  readonly executions: ReadonlyArray<number>
}

/** The requests answered at once, unjournaled, by their `_tag`: checked before any decoding of an input. */
const CONTROL_TAGS: ReadonlySet<unknown> = new Set([
  "Status",
  "RiskControls",
  "Watermark",
  "AccountValues",
  "SenderTail"
])

const tagOf = (body: unknown): unknown =>
  typeof body === "object" && body !== null ? (body as { _tag?: unknown })._tag : undefined

/** The request failure of an input that does not decode. */
export interface InvalidInput {
  readonly _tag: "InvalidInput"
  readonly message: string
}

const decodeInput = Schema.decodeUnknownEither(ShardInput)
const decodeTailRequest = Schema.decodeUnknownEither(SenderTailRequest)

const invalidInput = (error: ParseError): InvalidInput => ({
  _tag: "InvalidInput",
  message: issuesOf(error).map(formatIssue).join("; ")
})

/** A sender's records after `after` from whichever shard holds the most (each holds its latest command's tail). */
const longestTail = (shards: ReadonlyArray<AccountsShard>, sender: string, after: number) =>
  shards
    .map((shard) => shard.senderTails.after(sender, after))
    .reduce((best, tail) => (tail.records.length > best.records.length ? tail : best))

/** A shard's event log as a protocol stream. */
const streamOf = <A>(log: EventLog<A>): StreamSource => ({
  lastSeq: () => log.last,
  read: (fromSeq, max) => {
    const from = Math.max(fromSeq, log.first)
    return (log.read(from, max) ?? []).map((value, i) => ({ seq: from + i, value }))
  },
  subscribe: (listener) => log.follow(listener)
})

/** Open every shard (recovering it from its journal), then serve; the scope's end stops both. */
export const serveAccounts = (
  options: AccountsServerOptions
): Effect.Effect<AccountsServer, JournalError | ProtocolError, Scope.Scope> =>
  Effect.gen(function* () {
    const shards: Array<AccountsShard> = []
    const byAccount = new Map<string, AccountsShard>()
    for (const [i, shardOptions] of options.shards.entries()) {
      const shard = yield* AccountsShard.open(shardOptions).pipe(
        Effect.withSpan("accounts.recover", { attributes: { shard: i } })
      )
      shards.push(shard)
      for (const account of shardOptions.accounts) byAccount.set(account.id, shard)
    }
    const topics = new Map<string, StreamSource>()
    shards.forEach((shard, i) => {
      topics.set(`events/${i}`, streamOf<AccountEvent>(shard.events))
      topics.set(`executions/${i}`, streamOf(shard.executions))
      topics.set(`navs/${i}`, streamOf(shard.navs))
    })
    const onOutcome = options.onOutcome
    const accepted = new AcceptedAnswers()
    // One function for every answer: the session and the request id travel with the input, not in a closure.
    const answer: Answer = (outcome, to, id, elapsedMs) => {
      const end = accepted.encode(outcome)
      if (end > 0) (to as Session).replyEncoded(id, accepted.bytes, 0, end)
      else (to as Session).reply(id, outcome)
      onOutcome?.(outcome, elapsedMs)
    }
    /** The request failure or answer of a control request; false when `body` is none. */
    const control = (session: Session, id: number, body: unknown): boolean => {
      if (isStatusRequest(body) && options.describe !== undefined) {
        const status: ServiceStatus = {
          service: options.identity.service,
          instance: options.identity.instance,
          ...options.describe,
          version: coreVersion,
          address: formatAddress(server.address),
          streams: [...topics].map(([topic, source]) => ({ topic, lastSeq: source.lastSeq() })),
          sessions: sessionsOf(server),
          peers: []
        }
        session.reply(id, status)
        return true
      }
      if (isRiskControlsRequest(body)) {
        session.reply(id, riskControlsOf(shards))
        return true
      }
      if (tagOf(body) === "Watermark") {
        const watermark: Watermark = {
          events: shards.map((shard) => shard.events.last),
          executions: shards.map((shard) => shard.executions.last)
        }
        session.reply(id, watermark)
        return true
      }
      if (isAccountValuesRequest(body)) {
        session.reply(id, accountValues(body, shards, options.shards))
        return true
      }
      if (tagOf(body) === "SenderTail") {
        const decoded = decodeTailRequest(body)
        if (Either.isLeft(decoded)) session.fail(id, invalidInput(decoded.left))
        else session.reply(id, longestTail(shards, decoded.right.sender, decoded.right.after))
        return true
      }
      return false
    }
    const server: Server = yield* serve({
      transport: options.transport,
      address: options.address,
      identity: options.identity,
      keys: options.keys,
      streams: (topic) => topics.get(topic),
      onRequest: (session, id, body) => {
        if (CONTROL_TAGS.has(tagOf(body)) && control(session, id, body)) return
        const { requestId, invalid } = requestIdOf(body)
        const { tail, invalid: invalidTail } = senderTailOf(body)
        if (invalid !== undefined || invalidTail !== undefined) {
          session.fail(id, { _tag: "InvalidInput", message: (invalid ?? invalidTail)! } satisfies InvalidInput)
          return
        }
        let input = decodeHotInput(body)
        if (input === undefined) {
          const decoded = decodeInput(body, { errors: "all" })
          if (Either.isLeft(decoded)) {
            session.fail(id, invalidInput(decoded.left))
            return
          }
          input = decoded.right
        }
        // Decoding keeps only the input's own fields: the key and the tail go back on, for the shard and its journal.
        if (requestId !== undefined) (input as { requestId?: string }).requestId = requestId
        if (tail !== undefined) (input as { senderTail?: SenderTail }).senderTail = tail
        if (input._tag === "Mark" || (isScoped(input) && !("accountId" in input.scope))) {
          // Every shard takes it; the answer (the last shard's outcome) waits until each one made it durable.
          let waiting = shards.length
          for (const shard of shards) {
            shard.handle({ ...input }, (outcome, _to, _id, elapsedMs) => {
              if (--waiting === 0) answer(outcome, session, id, elapsedMs)
            })
          }
          return
        }
        const accountId = input._tag === "SubmitOrderList" ? input.orders[0].accountId : accountOf(input)
        const shard = byAccount.get(accountId)
        if (shard === undefined) {
          const refused: Outcome = {
            _tag: "Refused",
            seq: 0,
            reason: "UNKNOWN_ACCOUNT",
            message: `unknown account ${accountId}`
          }
          answer(refused, session, id, 0)
          return
        }
        shard.handle(input, answer, session, id)
      }
    })
    return { server, shards }
  })

/** A limit change or a kill switch: firm- and strategy-wide ones go to every shard. */
const isScoped = (input: ShardInput): input is Extract<ShardInput, { _tag: "SetRiskLimits" | "SetTradingHalt" }> =>
  input._tag === "SetRiskLimits" || input._tag === "SetTradingHalt"

const accountOf = (input: Exclude<ShardInput, { _tag: "Mark" | "SubmitOrderList" }>): string => {
  switch (input._tag) {
    case "SubmitOrder":
      return input.request.accountId
    case "SetRiskLimits":
    case "SetTradingHalt":
      return "accountId" in input.scope ? input.scope.accountId : ""
    default:
      return input.accountId
  }
}
