/**
 * Deployments: strategy instances added to a running Strategies Service (not only those of its configuration),
 * started and stopped on request. The requests it answers besides `Status`, what it journals of them, and what it
 * tells of each instance (its state, the orders it sent, its last event and its recent log lines).
 *
 * A deployment is an input like a market data event: journaled before it is applied, so a restart replays it at the
 * same place among the other inputs, and the strategy makes the same orders with the same client order ids (the
 * Accounts Service answers those it has with their first outcome: nothing goes out twice).
 *
 * | request                                          | answer                                                   |
 * | ------------------------------------------------ | -------------------------------------------------------- |
 * | `{ _tag: "Deploy", id, strategy, version?, ... }` | `{ _tag: "Deployed", deployment }` once journaled         |
 * | `{ _tag: "Start", id }`, `{ _tag: "Stop", id }`  | `{ _tag: "Started" }`, `{ _tag: "Stopped" }` once journaled |
 * | `{ _tag: "Deployments" }`                        | `{ _tag: "Deployments", deployments: DeploymentView[] }`  |
 *
 * A refusal is the request's error `{ _tag: "DeploymentRefused", message }`, one line naming the field.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { AccountId, CurrencyCode, InstrumentId } from "../../domain/Ids"

/** An instance id: the orders' strategy id and the prefix of their client order ids. */
export const InstanceId = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$/, {
    message: () => "id must be 1-48 letters, digits, _, . or -, starting with a letter or digit"
  })
)

/**
 * What is deployed, as journaled: the strategy as the service loads it (a plugin's name or folder, or a file), the
 * version it had when deployed, its parameters as given (decoded again on replay) and where it trades.
 *
 * @since 0.1.0
 * @category models
 */
export const Deployment = Schema.Struct({
  id: InstanceId,
  strategy: Schema.String.pipe(Schema.minLength(1, { message: () => "strategy is empty" })),
  version: Schema.String,
  params: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  account: AccountId,
  instruments: Schema.optionalWith(Schema.NonEmptyArray(InstrumentId), { exact: true }),
  baseCurrency: Schema.optionalWith(CurrencyCode, { exact: true })
})
export type Deployment = typeof Deployment.Type

/**
 * @since 0.1.0
 * @category requests
 */
export const DeployRequest = Schema.TaggedStruct("Deploy", {
  ...Deployment.fields,
  /** The version the strategy must have where the service runs (any when left out). */
  version: Schema.optionalWith(Schema.String, { exact: true })
})
export type DeployRequest = typeof DeployRequest.Type

export const StartRequest = Schema.TaggedStruct("Start", { id: InstanceId })
export const StopRequest = Schema.TaggedStruct("Stop", { id: InstanceId })
export const ListRequest = Schema.TaggedStruct("Deployments", {})

/**
 * Every request about deployments.
 *
 * @since 0.1.0
 * @category requests
 */
export const DeploymentRequest = Schema.Union(DeployRequest, StartRequest, StopRequest, ListRequest)
export type DeploymentRequest = typeof DeploymentRequest.Type

/** Whether a request body is about deployments (then it is decoded with `DeploymentRequest`). */
export const isDeploymentRequest = (body: unknown): boolean =>
  typeof body === "object" &&
  body !== null &&
  "_tag" in body &&
  (body._tag === "Deploy" || body._tag === "Start" || body._tag === "Stop" || body._tag === "Deployments")

/**
 * A refused request: one line naming the field and the reason.
 *
 * @since 0.1.0
 * @category errors
 */
export class DeploymentRefused extends Schema.TaggedError<DeploymentRefused>()("DeploymentRefused", {
  message: Schema.String
}) {}

/** `running`: its program runs; `starting`: asked to start, waiting for the session's first event. */
export const DeploymentState = Schema.Literal("running", "starting", "stopped", "failed")
export type DeploymentState = typeof DeploymentState.Type

export const LogLine = Schema.Struct({
  /** Session time, µs. */
  ts: Schema.Number,
  line: Schema.String
})
export type LogLine = typeof LogLine.Type

/**
 * One instance as the service sees it now.
 *
 * @since 0.1.0
 * @category models
 */
export const DeploymentView = Schema.Struct({
  id: Schema.String,
  /** `config`: from the service's configuration file; `deployed`: by request. */
  origin: Schema.Literal("config", "deployed"),
  strategy: Schema.String,
  version: Schema.String,
  account: Schema.String,
  params: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  instruments: Schema.Array(Schema.String),
  state: DeploymentState,
  /** Why it failed (its setup, or its strategy could not be loaded again after a restart). */
  error: Schema.optionalWith(Schema.String, { exact: true }),
  /** Orders it sent (each order of a list counts). */
  ordersSent: Schema.Number,
  lastEvent: Schema.optionalWith(LogLine, { exact: true }),
  /** Its latest log lines, oldest first. */
  logs: Schema.Array(LogLine)
})
export type DeploymentView = typeof DeploymentView.Type

export const DeploymentsReply = Schema.Struct({
  _tag: Schema.Literal("Deployments"),
  deployments: Schema.Array(DeploymentView)
})
