/**
 * What every live service's configuration shares: addresses, keys from the environment, tracing, and reading the
 * file itself (JSON decoded with `Schema`, every problem named on one line with its field), so that the four
 * services read and report their configurations alike.
 *
 * @since 0.1.0
 */
import * as OtlpSerialization from "@effect/opentelemetry/OtlpSerialization"
import * as OtlpTracer from "@effect/opentelemetry/OtlpTracer"
import { FetchHttpClient, FileSystem } from "@effect/platform"
import { Config, Effect, Either, Layer, ParseResult, type Redacted, Schema } from "effect"
import { type Address as ProtocolAddress, tcp, unix } from "../protocol/Transport"

export const Port = Schema.Int.pipe(Schema.between(0, 65_535))
export const Tcp = Schema.Struct({ host: Schema.String, port: Port })
export const Unix = Schema.Struct({ path: Schema.String.pipe(Schema.minLength(1)) })
/** Where a service listens or is reached: a TCP host and port, or a Unix socket's path. */
export const Address = Schema.Union(Tcp, Unix)
/** A secret given through an environment variable, never in the file. */
export const FromEnv = Schema.Struct({ env: Schema.String.pipe(Schema.minLength(1)) })
/** Who may connect: a service name and the environment variable holding its key. */
export const Keys = Schema.Record({ key: Schema.String, value: FromEnv })
export const Region = Schema.optionalWith(Schema.String.pipe(Schema.minLength(1)), { default: () => "local" })

export const Tracing = Schema.Struct({
  /** The collector's OTLP/HTTP base URL; traces go to `<otlp>/v1/traces`. */
  otlp: Schema.String.pipe(Schema.startsWith("http")),
  /** How often spans are sent (default 5000 ms). */
  exportIntervalMs: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { exact: true })
})
export type Tracing = typeof Tracing.Type

export const addressOf = (address: typeof Address.Type): ProtocolAddress =>
  "port" in address ? tcp(address.host, address.port) : unix(address.path)

/** Each problem of a decoding, `field.path: message`, joined on one line. */
export const describeIssues = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
    .join("; ")

/** Read `file` and decode it with `schema`; a problem fails with `error(message)` naming the file and the field. */
export const loadJsonConfig = <A, I, E>(
  file: string,
  schema: Schema.Schema<A, I>,
  error: (message: string) => E
): Effect.Effect<A, E, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(file).pipe(Effect.mapError((e) => error(`${file}: ${e.message}`)))
    const json = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (e) => error(`${file}: not JSON (${e instanceof Error ? e.message : e})`)
    })
    return yield* Either.match(Schema.decodeUnknownEither(schema)(json, { errors: "all" }), {
      onLeft: (e) => Effect.fail(error(`${file}: ${describeIssues(e)}`)),
      onRight: Effect.succeed
    })
  })

/** The secret in environment variable `env`; its absence fails naming the configuration `field`. */
export const fromEnv = <E>(
  env: string,
  field: string,
  error: (message: string) => E
): Effect.Effect<Redacted.Redacted<string>, E> =>
  Config.redacted(env).pipe(Effect.mapError(() => error(`${field}: environment variable ${env} is not set`)))

/** The key of each client service, from the environment. */
export const keysFromEnv = <E>(
  keys: typeof Keys.Type,
  error: (message: string) => E
): Effect.Effect<ReadonlyMap<string, Redacted.Redacted<string>>, E> =>
  Effect.forEach(Object.entries(keys), ([service, { env }]) =>
    Effect.map(fromEnv(env, `keys.${service}`, error), (key) => [service, key] as const)
  ).pipe(Effect.map((entries) => new Map(entries)))

/** The OTLP exporter of `tracing` for `serviceName`, or no layer at all. */
export const tracingLayer = (tracing: Tracing | undefined, serviceName: string, instance: string) =>
  tracing === undefined
    ? Layer.empty
    : OtlpTracer.layer({
        url: `${tracing.otlp.replace(/\/$/, "")}/v1/traces`,
        resource: { serviceName, attributes: { "service.instance.id": instance } },
        exportInterval: `${tracing.exportIntervalMs ?? 5_000} millis`
      }).pipe(Layer.provide([FetchHttpClient.layer, OtlpSerialization.layerJson]))
