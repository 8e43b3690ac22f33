/**
 * The raw FIX engine: a jspurefix ASCII session with the three things Meridian needs of it and jspurefix does not do
 * by itself — a message store that outlives one TCP connection (resend with PossDupFlag, gap fill for the rest), a
 * frame guard in front of its parser (garbage, a wrong BodyLength or CheckSum is dropped and counted instead of
 * tearing the session down) and logs that never see a message (a Logon carries the password).
 *
 * The connector runs it as initiator, the broker simulator as acceptor.
 *
 * @since 0.1.0
 */
import "reflect-metadata"
import {
  AsciiSession,
  DefinitionFactory,
  type FixDefinitions,
  FixMsgAsciiStoreResend,
  type IFixMsgStore,
  type IFixMsgStoreRecord,
  type IFixSessionStore,
  type IJsFixConfig,
  type IJsFixLogger,
  type ILooseObject,
  type ISessionDescription,
  type JsFixLoggerFactory,
  type MsgTransport,
  type MsgView,
  type SendCallback,
  SessionId,
  SessionLauncher,
  SessionState
} from "jspurefix"
import { guardFrames } from "./internal/frameGuard"

/**
 * jspurefix parses its dictionary again for every session (1-2 s of CPU for FIX44.xml). The parsed dictionary is
 * immutable, so one parse per dictionary file serves every session of the process, reconnects included.
 */
const dictionaries = new Map<string, Promise<FixDefinitions>>()
const parseDictionary = DefinitionFactory.prototype.getDefinitions
DefinitionFactory.prototype.getDefinitions = function (this: DefinitionFactory, path, getLogger) {
  let parsed = dictionaries.get(path)
  if (parsed === undefined) {
    parsed = parseDictionary.call(this, path, getLogger)
    dictionaries.set(path, parsed)
    parsed.catch(() => dictionaries.delete(path))
  }
  return parsed
}

/** Session-level message types: never resent, a resend request gap-fills over them (FIX 4.4 session rules). */
const ADMIN = new Set(["0", "1", "2", "3", "4", "5", "A"])

/** Where the engine's own warnings and errors go. Its info and debug lines are dropped. */
export type EngineLog = (level: "warning" | "error", message: string) => void

const loggerFactory = (log: EngineLog): JsFixLoggerFactory => {
  const logger: IJsFixLogger = {
    info: () => {},
    debug: () => {},
    warning: (message) => log("warning", redact(message)),
    error: (e) => log("error", redact(e.message))
  }
  return { logger: () => logger, plain: () => logger } as unknown as JsFixLoggerFactory
}

/** jspurefix quotes messages in some warnings (its Reject dump): the password tag never leaves the process. */
const redact = (text: string): string => text.replace(new RegExp(`(554=|"Password":")[^|${SOH}"]*`, "g"), "$1***")
const SOH = String.fromCharCode(1)

/**
 * The application messages sent on one session, by sequence number, and its sequence numbers: what a resend request
 * is answered from, and where the next connection asks the peer to resend from. `onSent` lets the connector journal
 * them; the simulator keeps them in memory for the life of its process, across its clients' reconnects.
 *
 * It counts what arrived itself: on a gap jspurefix moves its expected number past it at once and keeps the resend
 * it asked for in the connection's own state, so a connection that drops mid-resend would leave the gap behind.
 */
export class RetainedStore implements IFixSessionStore, IFixMsgStore {
  readonly creationTime = new Date()
  private readonly messages = new Map<number, IFixMsgStoreRecord>()
  senderSeqNum = 1
  /** The first number not yet received: a new connection asks the peer to resend from here. */
  targetSeqNum = 1
  /** Numbers received above `targetSeqNum`: the far side of a gap still being resent. */
  private readonly receivedAbove = new Set<number>()
  /** After a reset jspurefix names the number the peer goes on from; otherwise its count would jump gaps. */
  private resetting = false

  constructor(
    readonly sessionId: SessionId,
    private readonly hooks: { readonly onSent?: (seq: number, msgType: string, fields: ILooseObject) => void } = {}
  ) {}

  /**
   * Messages `first` to `last` arrived (more than one for a gap fill); whether any of them is new. A resent message
   * that is not new has been processed once already.
   */
  received(first: number, last = first): boolean {
    if (last < this.targetSeqNum) return false
    let fresh = false
    if (first <= this.targetSeqNum) {
      fresh = true
      this.targetSeqNum = last + 1
      for (const seq of this.receivedAbove) if (seq <= last) this.receivedAbove.delete(seq)
    } else {
      for (let seq = first; seq <= last; seq++) {
        if (!this.receivedAbove.has(seq)) fresh = true
        this.receivedAbove.add(seq)
      }
    }
    while (this.receivedAbove.delete(this.targetSeqNum)) this.targetSeqNum++
    return fresh
  }

  /** Restores what was received from the journal: everything below `next`, and `above`. */
  restoreReceived(next: number, above: Iterable<number>): void {
    this.targetSeqNum = next
    for (const seq of above) this.received(seq)
  }

  /** Restores a message from the journal. */
  restore(seq: number, msgType: string, fields: ILooseObject): void {
    this.messages.set(seq, { msgType, timestamp: new Date(), seqNum: seq, encoded: null, obj: fields, clone: cloneOf })
  }

  /**
   * An application message went out as number `seq`. Its fields are kept, not its text: jspurefix's resender sets
   * the new header before it would parse a stored text, and then never parses it.
   */
  sent(seq: number, msgType: string, fields: ILooseObject): void {
    if (this.messages.has(seq)) return
    const { StandardHeader: _, ...body } = fields
    this.restore(seq, msgType, body)
    this.hooks.onSent?.(seq, msgType, body)
  }

  // ---- IFixSessionStore ----------------------------------------------------------------------------------
  /** jspurefix's record of a message sent, as text: the session keeps the fields instead (`sent`). */
  async put(_: IFixMsgStoreRecord): Promise<never> {
    return undefined as never
  }
  async get(seq: number): Promise<IFixMsgStoreRecord> {
    return this.messages.get(seq) as IFixMsgStoreRecord
  }
  async getRange(from: number, to: number): Promise<Array<IFixMsgStoreRecord>> {
    return this.range(from, to)
  }
  async setSenderSeqNum(value: number): Promise<void> {
    // Retransmissions report their old numbers: the next number only ever grows.
    if (value > this.senderSeqNum) this.senderSeqNum = value
  }
  async setTargetSeqNum(value: number): Promise<void> {
    if (!this.resetting) return
    this.resetting = false
    this.targetSeqNum = value
  }
  async nextSenderSeqNum(): Promise<number> {
    return this.senderSeqNum++
  }
  async nextTargetSeqNum(): Promise<number> {
    return this.targetSeqNum++
  }
  async reset(): Promise<void> {
    this.messages.clear()
    this.receivedAbove.clear()
    this.senderSeqNum = 1
    this.targetSeqNum = 1
    this.resetting = true
  }
  async initialize(): Promise<void> {}
  async flush(): Promise<void> {}
  async dispose(): Promise<void> {}

  // ---- IFixMsgStore (what jspurefix's resender reads) ----------------------------------------------------
  async clear(): Promise<never> {
    return undefined as never
  }
  async getState(): Promise<never> {
    return undefined as never
  }
  async exists(seq: number): Promise<boolean> {
    return this.messages.has(seq)
  }
  async getSeqNumRange(from: number, to?: number): Promise<Array<IFixMsgStoreRecord>> {
    return this.range(from, to === undefined || to === 0 ? Number.MAX_SAFE_INTEGER : to)
  }
  async getMsgType(msgType: string): Promise<Array<IFixMsgStoreRecord>> {
    return [...this.messages.values()].filter((r) => r.msgType === msgType)
  }

  private range(from: number, to: number): Array<IFixMsgStoreRecord> {
    return [...this.messages.values()]
      .filter((r) => r.seqNum >= from && r.seqNum <= to)
      .sort((a, b) => a.seqNum - b.seqNum)
      .map((r) => ({ ...r, obj: { ...r.obj }, clone: cloneOf }))
  }
}

function cloneOf(this: IFixMsgStoreRecord): IFixMsgStoreRecord {
  return { ...this, clone: cloneOf }
}

/** An application message a session took and never encoded: it has no sequence number and never reached the wire. */
export interface UnsentMessage {
  readonly msgType: string
  readonly body: ILooseObject
}

/** What a session tells its owner. */
export interface PeerEvents {
  readonly onReady: (peer: FixPeer) => void
  /** An application message that passed the session's checks. */
  readonly onApplication: (peer: FixPeer, msgType: string, view: MsgView) => void
  /** A frame the guard dropped (garbage, wrong BodyLength or CheckSum), or a message the session rejected. */
  readonly onBadInput: (peer: FixPeer, reason: string) => void
  /**
   * The session ended. `unsent` are the application messages it took (`sendApp` said yes) but never encoded, in the
   * order they were given: no sequence number, no store entry, no resend would ever carry them. Their owner sends them
   * again on its next session.
   */
  readonly onStopped: (peer: FixPeer, error: Error | undefined, unsent: ReadonlyArray<UnsentMessage>) => void
  /** Acceptors: whether to let the peer in. */
  readonly onLogon?: (peer: FixPeer, senderCompId: string, password: string) => boolean
  /** Before each message goes out, with the sequence number it will carry (a retransmission keeps its own). */
  readonly onBeforeSend?: (seq: number) => void
  /** The session store of a counterparty, kept across its connections. */
  readonly store: (sessionId: SessionId) => RetainedStore
}

/** One FIX session over one connection at a time. */
export class FixPeer extends AsciiSession {
  /**
   * Application messages taken but not yet encoded. jspurefix numbers a message when its encoder gets to it, behind a
   * stream piped to the socket: when the connection dies first, the stream stalls with them inside.
   */
  private readonly unencoded = new Set<UnsentMessage>()
  private ended = false

  constructor(
    config: IJsFixConfig,
    private readonly events: PeerEvents
  ) {
    config.sessionStoreFactory = { create: (id) => events.store(id) }
    super(config)
    // An initiator checks the venue's messages as an acceptor checks its clients' (jspurefix only does the latter).
    this.checkMsgIntegrity = true
  }

  /**
   * jspurefix answers from a store of its own that nothing fills, so it would gap-fill every request: answer from
   * the retained store (bound only after a wildcard acceptor learned who logged on), whose application messages go
   * out again with PossDupFlag=Y and OrigSendingTime, the rest gap-filled.
   */
  protected override onResendRequest(view: MsgView): void {
    const store = this.retained
    // A ResendRequest that shows a gap skips onSessionMsg.
    store.received(view.getTyped(34) as number)
    this.store = store
    this.resender = new FixMsgAsciiStoreResend(store, this.config)
    super.onResendRequest(view)
  }

  private get retained(): RetainedStore {
    return this.sessionStore as unknown as RetainedStore
  }

  /** The counterparty's SenderCompID once logged on. */
  get peerCompId(): string {
    return this.config.description.TargetCompID
  }

  /** The sequence number the next message will carry. */
  get nextSeqNum(): number {
    return (this.transport?.transmitter as { msgSeqNum?: number } | undefined)?.msgSeqNum ?? 0
  }

  /** Sends an application message; `false` when the session cannot send now. */
  sendApp(msgType: string, body: ILooseObject): boolean {
    if (!this.transport || this.ended) return false
    this.send(msgType, body)
    return true
  }

  protected override send(msgType: string, obj: ILooseObject, callback: SendCallback | null = null): void {
    // jspurefix rejects a message that fails its checks (unknown tag, missing field, ...) with a session Reject: that
    // message arrived, and is done with.
    if (msgType === "3") {
      this.retained.received(obj.RefSeqNum as number)
      this.events.onBadInput(this, `rejected message ${obj.RefSeqNum}: ${obj.Text}`)
    }
    this.events.onBeforeSend?.(this.nextSeqNum)
    const header = obj.StandardHeader as { PossDupFlag?: boolean } | undefined
    if (ADMIN.has(msgType) || header?.PossDupFlag === true) {
      super.send(msgType, obj, callback)
      return
    }
    const message: UnsentMessage = { msgType, body: obj }
    this.unencoded.add(message)
    super.send(msgType, obj, (error, result) => {
      // Encoded after the session ended, into a connection already closed: its owner has it back (onStopped) and
      // sends it again; the number this copy used is gap-filled if the peer asks for it.
      if (!this.unencoded.delete(message)) return
      const seq = (result.header as { MsgSeqNum?: number } | null)?.MsgSeqNum
      if (error === null && seq !== undefined) this.retained.sent(seq, msgType, obj)
      else if (error !== null) this.sessionLogger.warning(`could not send a ${msgType} message: ${error.message}`)
      callback?.(error, result)
    })
  }

  /**
   * jspurefix drops the session when an application message arrives while it retransmits or waits for the answer
   * to a TestRequest; FIX 4.4 has both sides go on processing then. Only before logon is one a protocol error.
   */
  protected override validStateApplicationMsg(): boolean {
    const state = this.getState()
    return (
      state !== SessionState.Idle &&
      state !== SessionState.InitiateConnection &&
      state !== SessionState.InitiationLogonSent &&
      state !== SessionState.WaitingForALogon
    )
  }

  /**
   * Frames `fields` (`tag=value` pairs after the header, `|` between them) as the next message of this session,
   * with a correct BodyLength and CheckSum unless `corrupt` says otherwise. A correct frame uses up a sequence
   * number; a corrupt one does not (the peer must drop it). For the simulator's bad-input injector.
   */
  writeFramed(msgType: string, fields: string, corrupt?: "checksum" | "bodyLength"): boolean {
    const transmitter = this.transport?.transmitter as { msgSeqNum: number } | undefined
    if (transmitter === undefined) return false
    const d = this.config.description
    const time = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").replace("Z", "")
    const body =
      `35=${msgType}|49=${d.SenderCompId}|56=${d.TargetCompID}|34=${transmitter.msgSeqNum}|52=${time}|${fields}|`.replaceAll(
        "|",
        "\u0001"
      )
    const length = Buffer.byteLength(body, "latin1") + (corrupt === "bodyLength" ? 5 : 0)
    const head = `8=FIX.4.4\u00019=${length}\u0001${body}`
    let sum = 0
    for (const byte of Buffer.from(head, "latin1")) sum += byte
    const checksum = (sum + (corrupt === "checksum" ? 1 : 0)) % 256
    if (corrupt === undefined) transmitter.msgSeqNum++
    return this.writeRaw(Buffer.from(`${head}10=${String(checksum).padStart(3, "0")}\u0001`, "latin1"))
  }

  /** Writes bytes to the socket as they are, bypassing the encoder: the simulator's bad-input injector. */
  writeRaw(bytes: Buffer): boolean {
    const writable = this.transport?.duplex.writable
    if (!writable) return false
    writable.write(bytes)
    return true
  }

  /** Logs out (the peer confirms, then the connection closes). */
  logout(): void {
    this.done()
  }

  override async run(transport: MsgTransport): Promise<number> {
    const readable = transport.duplex.readable
    // jspurefix pipes the socket straight into its parser, which throws on the first malformed byte and ends the
    // session. Put the guard in between: only well-framed messages with a correct checksum reach the parser.
    readable.unpipe()
    const parser = transport.receiver as unknown as { parseBuffer: (b: Buffer) => void; reset: () => void }
    const feed = guardFrames(
      (frame) => {
        try {
          parser.parseBuffer(frame)
        } catch (e) {
          parser.reset()
          this.events.onBadInput(this, `unparseable message: ${e instanceof Error ? e.message : String(e)}`)
        }
      },
      (reason) => this.events.onBadInput(this, reason)
    )
    readable.on("data", (chunk: Buffer) => feed(chunk))
    return super.run(transport)
  }

  protected override onApplicationMsg(msgType: string, view: MsgView): void {
    // A resend (PossDupFlag) of a message already processed, asked for again after a connection dropped mid-resend.
    if (!this.retained.received(view.getTyped(34) as number)) return
    this.events.onApplication(this, msgType, view)
  }
  protected override onDecoded(): void {}
  protected override onEncoded(): void {}
  protected override onLogon(view: MsgView, _user: string, password: string): boolean {
    // A Logon that shows a gap skips onSessionMsg.
    this.retained.received(view.getTyped(34) as number)
    if (this.events.onLogon === undefined) return true
    return this.events.onLogon(this, view.getString(49) ?? "", password ?? "")
  }
  protected override onReady(): void {
    this.events.onReady(this)
  }
  protected override onStopped(error?: Error): void {
    this.ended = true
    const unsent = [...this.unencoded]
    this.unencoded.clear()
    this.events.onStopped(this, error, unsent)
  }
  protected override onSessionMsg(msgType: string, view: MsgView): void {
    const seq = view.getTyped(34) as number
    if (msgType === "4") {
      // SequenceReset: a gap fill covers up to NewSeqNo; a reset skips everything before it.
      const last = (view.getTyped(36) as number) - 1
      this.retained.received(view.getTyped(123) === true ? seq : Math.min(seq, this.retained.targetSeqNum), last)
    } else {
      this.retained.received(seq)
    }
    if (msgType === "3") {
      this.events.onBadInput(this, `the peer rejected our message ${view.getString(45)}: ${view.getString(58) ?? ""}`)
    }
    super.onSessionMsg(msgType, view)
  }
}

/** A session's description in jspurefix's terms. */
export interface PeerDescription {
  readonly role: "initiator" | "acceptor"
  readonly host: string
  readonly port: number
  readonly senderCompId: string
  /** `*` on an acceptor: any counterparty, named by its Logon. */
  readonly targetCompId: string
  readonly username?: string
  readonly password?: string
  readonly heartbeatSeconds: number
  /** The last sequence number sent, from the session store: the next message goes out with this plus one. */
  readonly lastSentSeqNum?: number
  /** The last sequence number received and processed. */
  readonly lastReceivedSeqNum?: number
}

const describe = (d: PeerDescription): ISessionDescription =>
  ({
    application: {
      type: d.role,
      name: `${d.role}-${d.senderCompId}`,
      reconnectSeconds: 1,
      tcp: { host: d.host, port: d.port },
      protocol: "ascii",
      dictionary: "data/FIX44.xml"
    },
    Username: d.username ?? "",
    Password: d.password ?? "",
    EncryptMethod: 0,
    ResetSeqNumFlag: false,
    HeartBtInt: d.heartbeatSeconds,
    SenderCompId: d.senderCompId,
    TargetCompID: d.targetCompId,
    BeginString: "FIX.4.4",
    ...(d.lastSentSeqNum === undefined ? {} : { LastSentSeqNum: d.lastSentSeqNum }),
    ...(d.lastReceivedSeqNum === undefined ? {} : { LastReceivedSeqNum: d.lastReceivedSeqNum })
  }) as unknown as ISessionDescription

class Launcher extends SessionLauncher {
  constructor(
    description: PeerDescription,
    private readonly events: PeerEvents,
    log: EngineLog
  ) {
    const d = describe(description)
    super(description.role === "initiator" ? d : null, description.role === "acceptor" ? d : null, loggerFactory(log))
  }
  protected override makeFactory() {
    return { makeSession: (config: IJsFixConfig) => new FixPeer(config, this.events) }
  }
}

/** A running initiator or acceptor; `stop` closes the listener or ends the initiator (after its session ends). */
export interface Engine {
  readonly stop: () => void
  /** Settles when the initiator's session ends or the acceptor stops listening. */
  readonly done: Promise<unknown>
}

export const start = (description: PeerDescription, events: PeerEvents, log: EngineLog): Engine => {
  const launcher = new Launcher(description, events, log)
  const done = launcher.run().catch((e: unknown) => log("error", redact(e instanceof Error ? e.message : String(e))))
  return { stop: () => launcher.stop(), done }
}

export type { MsgView }
export { SessionId }
