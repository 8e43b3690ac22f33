/**
 * The parameters a sweep tries: dimensions from the command line (`fast=5,10,20`, `fast=5..50`, `fast=5..50:5`,
 * `x=0.1..0.9`, or a bare `fast` whose range comes from the strategy's schema), expanded as a grid (every
 * combination) or sampled at random from a seed. Values stay text, as `--param k=v` gives them, so a job's parameters
 * are decoded by the strategy's own schema exactly as a single backtest's are.
 *
 * @since 0.1.0
 */
import { Either, Schema } from "effect"
import * as AST from "effect/SchemaAST"

/**
 * One parameter's values: a list, an integer range (inclusive, with a step for the grid), or a real interval
 * (sampled only, unless it has a step).
 *
 * @since 0.1.0
 * @category models
 */
export type Dimension =
  | { readonly kind: "values"; readonly name: string; readonly values: ReadonlyArray<string> }
  | { readonly kind: "int"; readonly name: string; readonly min: number; readonly max: number; readonly step: number }
  | {
      readonly kind: "real"
      readonly name: string
      readonly min: number
      readonly max: number
      readonly step: number | undefined
    }

/** A job's parameters as `--param` gives them: name to text. */
export type ParamSet = Readonly<Record<string, string>>

const INTEGER = /^-?\d+$/

/**
 * A `--grid` argument as a dimension: `name=a,b,c`, `name=lo..hi[:step]`, or `name` alone (its range is then the
 * schema's, see `fromSchema`). Left: what is wrong, naming the argument.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseDimension = (text: string, schema?: Schema.Schema.Any): Either.Either<Dimension, string> => {
  const eq = text.indexOf("=")
  if (eq < 0) {
    if (schema === undefined) return Either.left(`--grid ${text}: expected name=values`)
    const found = fromSchema(schema, text)
    return found === undefined
      ? Either.left(`--grid ${text}: the strategy's schema gives no bounded range for ${text}; give name=values`)
      : Either.right(found)
  }
  const name = text.slice(0, eq).trim()
  const spec = text.slice(eq + 1).trim()
  if (name === "" || spec === "") return Either.left(`--grid ${text}: expected name=values`)
  const range = /^(-?\d+(?:\.\d+)?)\.\.(-?\d+(?:\.\d+)?)(?::(\d+(?:\.\d+)?))?$/.exec(spec)
  if (range === null) {
    const values = spec.split(",").map((v) => v.trim())
    if (values.some((v) => v === "")) return Either.left(`--grid ${text}: an empty value`)
    return Either.right({ kind: "values", name, values: [...new Set(values)] })
  }
  const [, lo, hi, step] = range as unknown as [string, string, string, string | undefined]
  const min = Number(lo)
  const max = Number(hi)
  if (min > max) return Either.left(`--grid ${text}: ${lo} is above ${hi}`)
  if (step !== undefined && Number(step) <= 0) return Either.left(`--grid ${text}: the step must be positive`)
  return INTEGER.test(lo) && INTEGER.test(hi) && (step === undefined || INTEGER.test(step))
    ? Either.right({ kind: "int", name, min, max, step: step === undefined ? 1 : Number(step) })
    : Either.right({ kind: "real", name, min, max, step: step === undefined ? undefined : Number(step) })
}

/**
 * The range the schema gives a parameter: an integer or number with both bounds (`Schema.between`), a union of
 * literals, or a boolean. Undefined for anything else (text, a parameter the schema does not have).
 *
 * @since 0.1.0
 * @category parsing
 */
export const fromSchema = (schema: Schema.Schema.Any, name: string): Dimension | undefined => {
  const property = AST.getPropertySignatures(Schema.typeSchema(schema).ast).find((p) => p.name === name)
  if (property === undefined) return undefined
  let ast: AST.AST = property.type
  let integer = false
  let min: number | undefined
  let max: number | undefined
  // Refinements stack from the outermost (`between`) to the base type (`Int` over `Number`): collect their bounds.
  while (ast._tag === "Refinement") {
    const annotation = AST.getJSONSchemaAnnotation(ast)
    if (annotation._tag === "Some") {
      const json = annotation.value as { type?: unknown; minimum?: unknown; maximum?: unknown }
      if (json.type === "integer") integer = true
      if (typeof json.minimum === "number") min = Math.max(min ?? json.minimum, json.minimum)
      if (typeof json.maximum === "number") max = Math.min(max ?? json.maximum, json.maximum)
    }
    ast = ast.from
  }
  if (ast._tag === "BooleanKeyword") return { kind: "values", name, values: ["true", "false"] }
  if (ast._tag === "Union" && ast.types.every((t) => t._tag === "Literal")) {
    return { kind: "values", name, values: ast.types.map((t) => String((t as AST.Literal).literal)) }
  }
  if (ast._tag !== "NumberKeyword" || min === undefined || max === undefined) return undefined
  return integer ? { kind: "int", name, min, max, step: 1 } : { kind: "real", name, min, max, step: undefined }
}

/** A dimension's values for the grid, in order; a real interval without a step has none to list. */
const listed = (d: Dimension): ReadonlyArray<string> | undefined => {
  switch (d.kind) {
    case "values":
      return d.values
    case "int":
    case "real": {
      if (d.step === undefined) return undefined
      const out: Array<string> = []
      // Counted in steps from `min`, not accumulated: 0.1 + 0.1 + 0.1 must not drift past `max`.
      const count = Math.floor((d.max - d.min) / d.step + 1e-9)
      for (let i = 0; i <= count; i++) out.push(String(Number((d.min + i * d.step).toPrecision(12))))
      return out
    }
  }
}

/**
 * Every combination of the dimensions' values, the first dimension varying slowest. Left when a dimension is a
 * real interval without a step, or when there would be more than `limit` combinations.
 *
 * @since 0.1.0
 * @category expansion
 */
export const grid = (
  dimensions: ReadonlyArray<Dimension>,
  limit = 100_000
): Either.Either<ReadonlyArray<ParamSet>, string> => {
  const lists: Array<ReadonlyArray<string>> = []
  let size = 1
  for (const d of dimensions) {
    const values = listed(d)
    if (values === undefined)
      return Either.left(`--grid ${d.name}: a real interval needs a step (lo..hi:step) for a grid`)
    size *= values.length
    if (size > limit) return Either.left(`the grid has over ${limit.toLocaleString("en-US")} combinations`)
    lists.push(values)
  }
  let sets: Array<Record<string, string>> = [{}]
  dimensions.forEach((d, i) => {
    sets = sets.flatMap((set) => lists[i]!.map((value) => ({ ...set, [d.name]: value })))
  })
  return Either.right(dimensions.length === 0 ? [] : sets)
}

/**
 * A seeded source of uniform numbers in [0, 1) (mulberry32): the same seed draws the same sample on every machine.
 *
 * @since 0.1.0
 * @category random
 */
export const seededUniform = (seed: number): (() => number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * One value of a dimension drawn uniformly (a stepped range: one of its steps).
 *
 * @since 0.1.0
 * @category random
 */
export const drawValue = (d: Dimension, uniform: () => number): string => {
  switch (d.kind) {
    case "values":
      return d.values[Math.floor(uniform() * d.values.length)]!
    case "int":
    case "real": {
      if (d.step !== undefined) {
        const steps = Math.floor((d.max - d.min) / d.step + 1e-9)
        return String(Number((d.min + Math.floor(uniform() * (steps + 1)) * d.step).toPrecision(12)))
      }
      return String(Number((d.min + uniform() * (d.max - d.min)).toPrecision(12)))
    }
  }
}

/**
 * `count` distinct parameter sets drawn uniformly from the dimensions with `seed`, each one that `accept` allows (the
 * strategy's own checks, such as fast below slow). Fewer when the space runs out: drawing stops after `count × 100`
 * tries.
 *
 * @since 0.1.0
 * @category expansion
 */
export const sample = (
  dimensions: ReadonlyArray<Dimension>,
  count: number,
  seed: number,
  accept: (params: ParamSet) => boolean = () => true
): ReadonlyArray<ParamSet> => {
  if (dimensions.length === 0) return []
  const uniform = seededUniform(seed)
  const seen = new Set<string>()
  const out: Array<ParamSet> = []
  for (let tries = 0; out.length < count && tries < count * 100; tries++) {
    const set = Object.fromEntries(dimensions.map((d) => [d.name, drawValue(d, uniform)]))
    const key = JSON.stringify(set)
    if (seen.has(key)) continue
    seen.add(key)
    if (accept(set)) out.push(set)
  }
  return out
}

/**
 * The values typed as `meridian backtest` types `--param k=v` before the strategy's schema decodes them: numbers and
 * booleans, the rest text. A sweep checks each parameter set with the schema this way before it is submitted.
 *
 * @since 0.1.0
 * @category parsing
 */
export const typed = (params: ParamSet): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(params).map(([k, v]) => [
      k,
      /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v === "true" ? true : v === "false" ? false : v
    ])
  )
