/**
 * The broker simulator's control channel: plain HTTP/JSON on loopback, beside the FIX port. It is how a test or a
 * staging job gives the simulated venue its market (FIX clients do not send brokers market data), reads what the
 * broker saw, and injects bad input into a client's session.
 *
 * - `POST /quote` `{"instrumentId":"AAPL.XNAS","ts":1704205800000000,"bid":"150.00","ask":"150.01","bidSize":"1000","askSize":"1000"}`
 * - `GET /record`: the broker's record (orders by ClOrdID with their counts, ExecutionReports sent, Rejects received)
 * - `POST /inject` `{"session":"CLIENT","raw":"garbage"}` or `{"session":"CLIENT","msgType":"8","fields":"37=1|...","corrupt":"checksum"}`
 *
 * @since 0.1.0
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import { Either, ParseResult, Schema } from "effect"
import type { Broker } from "./BrokerSimulator"

const Decimal = Schema.String.pipe(Schema.pattern(/^\d+(\.\d+)?$/, { message: () => "a decimal such as 150.01" }))

const Quote = Schema.Struct({
  instrumentId: Schema.String,
  ts: Schema.Int.pipe(Schema.nonNegative()),
  bid: Decimal,
  ask: Decimal,
  bidSize: Schema.optionalWith(Decimal, { default: () => "1000" }),
  askSize: Schema.optionalWith(Decimal, { default: () => "1000" })
})

const Inject = Schema.Union(
  Schema.Struct({ session: Schema.String, raw: Schema.String }),
  Schema.Struct({
    session: Schema.String,
    msgType: Schema.String.pipe(Schema.minLength(1)),
    fields: Schema.String,
    corrupt: Schema.optionalWith(Schema.Literal("checksum", "bodyLength"), { exact: true })
  })
)

const readBody = (req: IncomingMessage): Promise<unknown> =>
  new Promise((resolve) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown)
      } catch {
        resolve(undefined)
      }
    })
  })

const decode = <A, I>(schema: Schema.Schema<A, I>, body: unknown): Either.Either<A, string> =>
  Either.mapLeft(Schema.decodeUnknownEither(schema)(body, { errors: "all" }), (e) =>
    ParseResult.ArrayFormatter.formatErrorSync(e)
      .map((i) => `${i.path.join(".") || "body"}: ${i.message}`)
      .join("; ")
  )

const reply = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(JSON.stringify(body))
}

/** Serves the control channel on `127.0.0.1:port` (0 picks a free port); resolves once listening. */
export const listen = (broker: Broker, port: number): Promise<Server> => {
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method === "GET" && req.url === "/record") return reply(res, 200, broker.record())
      if (req.method === "POST" && req.url === "/quote") {
        const q = decode(Quote, await readBody(req))
        if (Either.isLeft(q)) return reply(res, 400, { error: q.left })
        const error = broker.quote(
          q.right.instrumentId,
          q.right.ts,
          q.right.bid,
          q.right.ask,
          q.right.bidSize,
          q.right.askSize
        )
        return error === undefined ? reply(res, 200, { ok: true }) : reply(res, 400, { error })
      }
      if (req.method === "POST" && req.url === "/inject") {
        const i = decode(Inject, await readBody(req))
        if (Either.isLeft(i)) return reply(res, 400, { error: i.left })
        const sent =
          "raw" in i.right
            ? broker.injectRaw(i.right.session, Buffer.from(i.right.raw, "latin1"))
            : broker.injectFramed(i.right.session, i.right.msgType, i.right.fields, i.right.corrupt)
        return sent
          ? reply(res, 200, { ok: true })
          : reply(res, 409, { error: `session ${i.right.session} is not logged on` })
      }
      reply(res, 404, { error: `no route ${req.method} ${req.url}` })
    })()
  })
  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => resolve(server))
  })
}
