/**
 * What the Strategies Service journals: the inputs in the order its strategies received them, each with the
 * session time at which it was delivered, with their payloads (the event as it came off the wire), so that a
 * restart replays them without asking any other service; and which commands got their answer, so that a replay
 * resends only those that may not have arrived; and the operators' deployments, starts and stops, in their place.
 */
import { Packr } from "msgpackr"
import type { Deployment } from "../Deployments"

/** An operator's request, journaled like the inputs: a deployment (or a new version of one), a start, a stop. */
export type Control =
  | { readonly k: "D"; readonly ts: number; readonly d: Deployment }
  | { readonly k: "g"; readonly ts: number; readonly id: string }
  | { readonly k: "h"; readonly ts: number; readonly id: string }

/** A control input before the session stamps it with its time. */
export type Untimed<C extends Control = Control> = C extends Control ? Omit<C, "ts"> : never

export type Input =
  /** The strategies start (their programs run) at `ts`. */
  | { readonly k: "S"; readonly ts: number }
  /** Market data event `seq` (its encoded form). */
  | { readonly k: "m"; readonly ts: number; readonly seq: number; readonly v: unknown }
  /** Account events of shard `s` through `seq` (their encoded forms, consecutive). */
  | {
      readonly k: "a"
      readonly ts: number
      readonly s: number
      readonly seq: number
      readonly v: ReadonlyArray<unknown>
    }
  /** The clock moved to `ts` (a timer fell due on the system clock). */
  | { readonly k: "t"; readonly ts: number }
  /** The `n`-th command sent was answered. */
  | { readonly k: "r"; readonly n: number }
  | Control

const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: "number" })

export const encodeInput = (input: Input): Uint8Array => packr.pack(input)

export const decodeInput = (payload: Uint8Array): Input => packr.unpack(payload) as Input
