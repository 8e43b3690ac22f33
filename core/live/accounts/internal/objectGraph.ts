/**
 * An exact image of an object graph (the Accounts engine's state), for snapshots: class instances with their own
 * fields, arrays, maps, sets, typed arrays and bigints, shared references and cycles kept as they are. The image is
 * plain data (nested arrays of primitives) for msgpack.
 *
 * Writing every engine class's state by hand would be a second description of the engine that drifts from it; the
 * graph is the state, so an image of it misses nothing a later field adds. What is not state stays out:
 * - `externals`: objects the engine is built from (instrument specs, currencies, the accounts' configuration),
 *   numbered in a walk of them that gives the same numbers for the same configuration;
 * - functions (the engine's outputs), named by the path at which the engine holds them once constructed: a
 *   restored graph takes the new engine's functions at the same paths.
 * A class instance is restored with its prototype from `classes`; a class the image does not know fails the
 * capture, so an image that could not be restored is never written.
 */

const REF = 0
const ARRAY = 1
const OBJECT = 2
const MAP = 3
const SET = 4
const TYPED = 5
const EXTERNAL = 6
const FUNCTION = 7
const BIGINT = 8

const PLAIN = -1
const NULL_PROTO = -2

type Typed = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array
const TYPED_ARRAYS: Record<string, new (buffer: ArrayBuffer) => Typed> = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array
}

/** The fixed parts of a graph: what its images refer to rather than hold. */
export interface GraphContext {
  /** Prototypes by class name. */
  readonly classes: ReadonlyMap<string, object>
  readonly externals: ReadonlyMap<object, number>
  readonly externalList: ReadonlyArray<object>
  /** Functions by the path the root holds them at, and back. */
  readonly functionPaths: ReadonlyMap<unknown, string>
  readonly functionsByPath: ReadonlyMap<string, unknown>
}

/**
 * A function making an object of `proto` with `keys` set to undefined, in order, by named stores: adding more than a
 * dozen fields by computed key (`o[key] = v`) turns an object into a slow dictionary in V8, and the engine's
 * records would then run several times slower after a restore. Filling existing fields by key keeps them fast.
 */
const shellMaker = (keys: ReadonlyArray<string>): ((proto: object | null) => Record<string, unknown>) =>
  new Function(
    "proto",
    `const o = Object.create(proto);\n${keys.map((key) => `o[${JSON.stringify(key)}] = undefined;`).join("\n")}\nreturn o`
  ) as (proto: object | null) => Record<string, unknown>

/** The image: the root's node and the object shapes (class and keys) its objects use. */
export interface GraphImage {
  readonly shapes: ReadonlyArray<ReadonlyArray<unknown>>
  readonly root: unknown
}

const isObjectLike = (v: unknown): v is object => (typeof v === "object" && v !== null) || typeof v === "function"

/** Every object reachable from `roots`, in a walk that depends only on their content. */
const walkExternals = (roots: ReadonlyArray<unknown>): Array<object> => {
  const seen = new Set<object>()
  const order: Array<object> = []
  const visit = (v: unknown): void => {
    if (!isObjectLike(v) || seen.has(v)) return
    seen.add(v)
    order.push(v)
    if (v instanceof Map) {
      for (const [key, value] of v) {
        visit(key)
        visit(value)
      }
    } else if (v instanceof Set) for (const value of v) visit(value)
    else if (Array.isArray(v)) for (const value of v) visit(value)
    else if (!ArrayBuffer.isView(v)) for (const key of Object.keys(v)) visit((v as Record<string, unknown>)[key])
  }
  for (const root of roots) visit(root)
  return order
}

/** The functions `root` holds, by path, found once it is constructed (they never change after). */
const walkFunctions = (root: object, externals: ReadonlySet<object>): Map<unknown, string> => {
  const paths = new Map<unknown, string>()
  const seen = new Set<object>()
  const visit = (v: unknown, path: string): void => {
    if (typeof v === "function") {
      if (!paths.has(v)) paths.set(v, path)
      return
    }
    if (!isObjectLike(v) || seen.has(v) || externals.has(v) || ArrayBuffer.isView(v)) return
    seen.add(v)
    if (v instanceof Map || v instanceof Set) return
    for (const key of Object.keys(v)) visit((v as Record<string, unknown>)[key], `${path}/${key}`)
  }
  visit(root, "")
  return paths
}

/**
 * The context of graphs rooted at `root` (freshly constructed), built from `externalRoots`; `classes` adds the
 * classes whose instances the root does not hold yet (they are found in it otherwise).
 */
export const graphContext = (
  root: object,
  externalRoots: ReadonlyArray<unknown>,
  classes: ReadonlyArray<abstract new (...args: never) => unknown>
): GraphContext => {
  const externalList = walkExternals(externalRoots)
  const externals = new Map(externalList.map((v, i) => [v, i]))
  const functionPaths = walkFunctions(root, new Set(externalList))
  const byName = new Map<string, object>()
  const add = (proto: object) => {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name
    if (name !== undefined && name !== "" && proto !== Object.prototype) byName.set(name, proto)
  }
  for (const cls of classes) add(cls.prototype as object)
  const seen = new Set<object>()
  const visit = (v: unknown): void => {
    if (!isObjectLike(v) || typeof v === "function" || seen.has(v) || externals.has(v)) return
    seen.add(v)
    if (ArrayBuffer.isView(v) || v instanceof Map || v instanceof Set) return
    if (!Array.isArray(v)) {
      const proto = Object.getPrototypeOf(v) as object | null
      if (proto !== null) add(proto)
    }
    for (const key of Object.keys(v)) visit((v as Record<string, unknown>)[key])
  }
  visit(root)
  return {
    classes: byName,
    externals,
    externalList,
    functionPaths,
    functionsByPath: new Map([...functionPaths].map(([f, path]) => [path, f]))
  }
}

/** The image of everything reachable from `root`. Throws on a function or a class the context does not know. */
export const capture = (root: object, context: GraphContext): GraphImage => {
  const ids = new Map<object, number>()
  const shapes: Array<Array<unknown>> = []
  /** The shapes met so far, by prototype: instances of a class nearly always share one, so the search is short. */
  const shapesByProto = new Map<object | null, Array<{ readonly keys: ReadonlyArray<string>; readonly id: number }>>()
  const classIds = new Map<object, number>()
  const classNames: Array<string> = []
  const classOf = (proto: object): number => {
    let id = classIds.get(proto)
    if (id !== undefined) return id
    const name = (proto as { constructor: { name: string } }).constructor.name
    if (context.classes.get(name) !== proto) throw new Error(`an instance of ${name}, a class snapshots do not know`)
    id = classNames.length
    classNames.push(name)
    classIds.set(proto, id)
    return id
  }
  const shapeOf = (proto: object | null, keys: ReadonlyArray<string>): number => {
    let known = shapesByProto.get(proto)
    if (known === undefined) {
      known = []
      shapesByProto.set(proto, known)
    }
    search: for (const shape of known) {
      if (shape.keys.length !== keys.length) continue
      for (let i = 0; i < keys.length; i++) if (shape.keys[i] !== keys[i]) continue search
      return shape.id
    }
    const cls = proto === Object.prototype ? PLAIN : proto === null ? NULL_PROTO : classNames[classOf(proto)]
    const id = shapes.length
    shapes.push([cls, ...keys])
    known.push({ keys, id })
    return id
  }
  const node = (v: unknown): unknown => {
    if (typeof v === "bigint") return [BIGINT, v.toString()]
    if (typeof v === "function") {
      const path = context.functionPaths.get(v)
      if (path === undefined) throw new Error("a function the engine did not hold when it was constructed")
      return [FUNCTION, path]
    }
    if (typeof v !== "object" || v === null) return v
    const external = context.externals.get(v)
    if (external !== undefined) return [EXTERNAL, external]
    const seen = ids.get(v)
    if (seen === 0) throw new Error("the root is referred to from inside: its fields are restored into another object")
    if (seen !== undefined) return [REF, seen]
    ids.set(v, ids.size)
    if (ArrayBuffer.isView(v)) {
      const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice()
      return [TYPED, v.constructor.name, bytes]
    }
    if (Array.isArray(v)) {
      const out: Array<unknown> = new Array(v.length + 1)
      out[0] = ARRAY
      for (let i = 0; i < v.length; i++) out[i + 1] = node(v[i])
      return out
    }
    if (v instanceof Map) {
      const out: Array<unknown> = [MAP]
      for (const [key, value] of v) out.push(node(key), node(value))
      return out
    }
    if (v instanceof Set) {
      const out: Array<unknown> = [SET]
      for (const value of v) out.push(node(value))
      return out
    }
    const keys = Object.keys(v)
    const out: Array<unknown> = new Array(keys.length + 2)
    out[0] = OBJECT
    out[1] = shapeOf(Object.getPrototypeOf(v) as object | null, keys)
    for (let i = 0; i < keys.length; i++) out[i + 2] = node((v as Record<string, unknown>)[keys[i]!])
    return out
  }
  const image = node(root)
  return { shapes, root: image }
}

/**
 * Rebuild the graph of `image` into `target` (an object of the root's class, freshly constructed: its functions
 * are taken over): `target`'s own fields are replaced by the image's. Throws on an image that does not fit the
 * context; `target` is then left as it was. Nothing in the graph may refer to the root itself (`capture` checks).
 */
export const restoreInto = (target: object, image: GraphImage, context: GraphContext): void => {
  const table: Array<unknown> = []
  const shapes = image.shapes.map(([cls, ...keys]) => {
    const proto =
      cls === PLAIN ? Object.prototype : cls === NULL_PROTO ? null : (context.classes.get(cls as string) ?? cls)
    if (typeof proto === "string" || typeof proto === "number") {
      throw new Error(`the snapshot holds an instance of ${String(cls)}, an unknown class`)
    }
    return { proto: proto as object | null, keys: keys as Array<string>, make: shellMaker(keys as Array<string>) }
  })
  const value = (n: unknown): unknown => {
    if (!Array.isArray(n)) return n
    switch (n[0] as number) {
      case REF:
        return table[n[1] as number]
      case BIGINT:
        return BigInt(n[1] as string)
      case EXTERNAL: {
        const external = context.externalList[n[1] as number]
        if (external === undefined) throw new Error("the snapshot refers to configuration this shard does not have")
        return external
      }
      case FUNCTION: {
        const f = context.functionsByPath.get(n[1] as string)
        if (f === undefined) throw new Error(`the snapshot refers to an output at ${String(n[1])} the engine lacks`)
        return f
      }
      case TYPED: {
        const make = TYPED_ARRAYS[n[1] as string]
        if (make === undefined) throw new Error(`the snapshot holds an unknown typed array ${String(n[1])}`)
        const typed = new make(Uint8Array.prototype.slice.call(n[2] as Uint8Array).buffer)
        table.push(typed)
        return typed
      }
      case ARRAY: {
        const out: Array<unknown> = []
        table.push(out)
        for (let i = 1; i < n.length; i++) out.push(value(n[i]))
        return out
      }
      case MAP: {
        const out = new Map<unknown, unknown>()
        table.push(out)
        for (let i = 1; i < n.length; i += 2) {
          const key = value(n[i])
          out.set(key, value(n[i + 1]))
        }
        return out
      }
      case SET: {
        const out = new Set<unknown>()
        table.push(out)
        for (let i = 1; i < n.length; i++) out.add(value(n[i]))
        return out
      }
      case OBJECT: {
        const shape = shapes[n[1] as number]
        if (shape === undefined) throw new Error("the snapshot's object shapes are damaged")
        const out = shape.make(n === image.root ? Object.prototype : shape.proto)
        // The root's fields land in a plain object first, then in the target (see below).
        table.push(out)
        for (let i = 0; i < shape.keys.length; i++) out[shape.keys[i] as string] = value(n[i + 2])
        return out
      }
      default:
        throw new Error(`the snapshot holds an unknown node ${String(n[0])}`)
    }
  }
  const root = image.root
  if (!Array.isArray(root) || root[0] !== OBJECT) throw new Error("the snapshot's root is not an object")
  const rootShape = shapes[root[1] as number]
  if (rootShape === undefined || rootShape.proto !== Object.getPrototypeOf(target)) {
    throw new Error("the snapshot is not of this engine")
  }
  // Built aside first: `target` changes only once the whole image decoded.
  const fields = value(root) as Record<string, unknown>
  const keys = Object.keys(target)
  if (keys.length !== rootShape.keys.length || keys.some((key, i) => rootShape.keys[i] !== key)) {
    throw new Error("the snapshot's engine has other fields than this one")
  }
  // Same keys in the same order: the target keeps its layout.
  Object.assign(target, fields)
}
