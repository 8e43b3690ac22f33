/**
 * The registry HTTP service: a Hono app whose handlers run Effects through one `ManagedRuntime` made at the edge
 * (`serve`), holding the store and the authors.
 *
 * - `PUT /plugins/:id/:version` publish a tarball (`Authorization: Bearer <token>`, `X-Integrity: sha512-...`)
 * - `GET /plugins` every plugin: id, latest version, kind, description
 * - `GET /plugins/:id` owner, versions and manifests
 * - `GET /plugins/:id/:version/tarball` the tarball
 * - `GET /plugins/:id/resolve?core=0.1.0&range=^1.0.0` the highest version in range that accepts that core
 *
 * Errors are JSON `{ error, reason, issues? }`.
 *
 * @since 0.1.0
 */
import type { AddressInfo } from "node:net"
import { serve as nodeServe } from "@hono/node-server"
import { Effect, Layer, ManagedRuntime, Option, type ParseResult, Schema, type Scope } from "effect"
import { type Context, Hono } from "hono"
import { bodyLimit } from "hono/body-limit"
import * as semver from "semver"
import { IdParams, integrityHeader, ListResponse, ResolveQuery, VersionParams } from "./Api"
import * as Authors from "./Authors"
import { formatIssues } from "./Manifest"
import { publish } from "./Publish"
import { httpStatus, RegistryError, toErrorBody } from "./RegistryError"
import * as Store from "./Store"

/** What the handlers need. */
export type RegistryServices = Store.Store | Authors.Authors

/** The largest tarball accepted. */
export const maxTarballBytes = 20 * 1024 * 1024

const badRequest = (what: string) => (e: ParseResult.ParseError) =>
  new RegistryError({ reason: "BadRequest", message: `invalid ${what}`, issues: formatIssues(e) })

const decode =
  <A, I>(schema: Schema.Schema<A, I>, what: string) =>
  (raw: unknown) =>
    Schema.decodeUnknown(schema)(raw, { errors: "all", onExcessProperty: "ignore" }).pipe(
      Effect.mapError(badRequest(what))
    )

const notFound = (id: string) => new RegistryError({ reason: "NotFound", message: `no plugin ${id}` })

const plugin = (id: string) =>
  Store.Store.pipe(
    Effect.flatMap((store) => store.get(id)),
    Effect.flatMap(Option.match({ onNone: () => Effect.fail(notFound(id)), onSome: Effect.succeed }))
  )

const bearer = (header: string | undefined) => {
  const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header)
  return match?.[1]
}

/** The Hono app; every handler runs through `runtime`. */
export const makeApp = (runtime: ManagedRuntime.ManagedRuntime<RegistryServices, RegistryError>): Hono => {
  const handle = (program: (c: Context) => Effect.Effect<Response, RegistryError, RegistryServices>) => (c: Context) =>
    runtime.runPromise(
      program(c).pipe(
        Effect.catchTag("RegistryError", (e) => Effect.succeed(c.json(toErrorBody(e), httpStatus[e.reason])))
      )
    )

  const app = new Hono()

  app.get(
    "/plugins",
    handle((c) =>
      Effect.gen(function* () {
        const plugins = yield* (yield* Store.Store).list
        const summaries = plugins.flatMap((p) => {
          const last = Store.latest(p)
          return last === undefined
            ? []
            : [{ id: p.id, latest: last.version, kind: last.manifest.kind, description: last.manifest.description }]
        })
        return c.json(Schema.encodeSync(ListResponse)({ plugins: summaries }))
      })
    )
  )

  app.get(
    "/plugins/:id/resolve",
    handle((c) =>
      Effect.gen(function* () {
        const { id } = yield* decode(IdParams, "path")(c.req.param())
        const { core, range } = yield* decode(ResolveQuery, "query")(c.req.query())
        const record = yield* plugin(id)
        const best = record.versions
          .filter((v) => semver.satisfies(v.version, range) && semver.satisfies(core, v.manifest.coreApi))
          .reduce<Store.VersionRecord | undefined>(
            (b, v) => (b === undefined || semver.gt(v.version, b.version) ? v : b),
            undefined
          )
        if (best === undefined) {
          return yield* new RegistryError({
            reason: "NoMatchingVersion",
            message: `no version of ${id} in ${range} supports core ${core}`
          })
        }
        return c.json({ id, version: best.version, integrity: best.integrity, manifest: best.manifest })
      })
    )
  )

  app.get(
    "/plugins/:id",
    handle((c) =>
      decode(
        IdParams,
        "path"
      )(c.req.param()).pipe(
        Effect.flatMap(({ id }) => plugin(id)),
        Effect.map((record) => c.json(record))
      )
    )
  )

  app.get(
    "/plugins/:id/:version/tarball",
    handle((c) =>
      Effect.gen(function* () {
        const { id, version } = yield* decode(VersionParams, "path")(c.req.param())
        const record = yield* plugin(id)
        const entry = record.versions.find((v) => v.version === version)
        if (entry === undefined) return yield* new RegistryError({ reason: "NotFound", message: `no ${id}@${version}` })
        const bytes = yield* (yield* Store.Store).tarball(id, version)
        return c.body(new Uint8Array(bytes), 200, {
          "content-type": "application/gzip",
          [integrityHeader]: entry.integrity
        })
      })
    )
  )

  app.put(
    "/plugins/:id/:version",
    bodyLimit({
      maxSize: maxTarballBytes,
      onError: (c) =>
        c.json(toErrorBody(new RegistryError({ reason: "TooLarge", message: `over ${maxTarballBytes} bytes` })), 413)
    }),
    handle((c) =>
      Effect.gen(function* () {
        const { id, version } = yield* decode(VersionParams, "path")(c.req.param())
        const token = bearer(c.req.header("authorization"))
        const body = yield* Effect.tryPromise({
          try: () => c.req.arrayBuffer(),
          catch: () => new RegistryError({ reason: "BadRequest", message: "cannot read the request body" })
        })
        const published = yield* publish({
          id,
          version,
          token,
          integrity: c.req.header(integrityHeader),
          tarball: new Uint8Array(body)
        })
        return c.json({ id, published }, 201)
      })
    )
  )

  app.notFound((c) => c.json(toErrorBody(new RegistryError({ reason: "NotFound", message: "no such route" })), 404))
  return app
}

/** Where the registry keeps its data and who may publish. */
export interface RegistryOptions {
  /** The storage directory (tarballs and index.json). */
  readonly dataDir: string
  /** The JSON file of `{ author, tokenSha256 }`. */
  readonly authorsFile: string
}

/** The store and the authors. */
export const layer = (options: RegistryOptions): Layer.Layer<RegistryServices, RegistryError> =>
  Layer.merge(Store.layer(options.dataDir), Authors.layerFile(options.authorsFile))

/** A running registry. */
export interface Running {
  readonly port: number
  /** `http://host:port`. */
  readonly url: string
}

/**
 * Serves the registry on `port` (0 picks a free one) until the scope closes, then stops listening and disposes the
 * runtime.
 */
export const serve = (
  options: RegistryOptions & { readonly port: number; readonly hostname?: string }
): Effect.Effect<Running, RegistryError, Scope.Scope> =>
  Effect.gen(function* () {
    const runtime = yield* Effect.acquireRelease(
      Effect.sync(() => ManagedRuntime.make(layer(options))),
      (rt) => rt.disposeEffect
    )
    // Build the layers now, so a bad data directory or authors file fails here rather than on the first request.
    yield* runtime.runtimeEffect
    const app = makeApp(runtime)
    const hostname = options.hostname ?? "127.0.0.1"
    const server = yield* Effect.acquireRelease(
      Effect.async<ReturnType<typeof nodeServe>, RegistryError>((resume) => {
        const s = nodeServe({ fetch: app.fetch, port: options.port, hostname }, () => resume(Effect.succeed(s)))
        s.once("error", (e) =>
          resume(Effect.fail(new RegistryError({ reason: "Transport", message: `cannot listen: ${e.message}` })))
        )
      }),
      (s) =>
        Effect.async<void>((resume) => {
          s.close(() => resume(Effect.void))
          if ("closeAllConnections" in s) s.closeAllConnections()
        })
    )
    const port = (server.address() as AddressInfo).port
    return { port, url: `http://${hostname}:${port}` }
  })
