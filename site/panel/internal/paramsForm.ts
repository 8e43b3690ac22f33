/**
 * A strategy's parameters as form fields, generated from its JSON Schema (the manifest's `meridian.params`), and the
 * submitted fields read back as the values the schema expects (numbers for numbers, booleans for booleans). The
 * strategy's own Schema then decodes them: the form never decides what is valid.
 */
import { html, type Markup } from "./html"

export interface ParamField {
  readonly name: string
  readonly kind: "integer" | "number" | "boolean" | "choice" | "text"
  readonly choices: ReadonlyArray<string>
  readonly minimum?: number | undefined
  readonly maximum?: number | undefined
  readonly description?: string | undefined
  readonly required: boolean
}

type Json = Readonly<Record<string, unknown>>

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null

/** A property's schema with `$ref`s and `allOf`s merged into one object. */
const flatten = (root: Json, schema: unknown): Json => {
  if (!isObject(schema)) return {}
  let merged: Record<string, unknown> = { ...schema }
  const ref = schema.$ref
  if (typeof ref === "string" && ref.startsWith("#/$defs/")) {
    const defs = isObject(root.$defs) ? root.$defs : {}
    merged = { ...flatten(root, defs[ref.slice("#/$defs/".length)]), ...merged }
  }
  if (Array.isArray(schema.allOf)) for (const part of schema.allOf) merged = { ...flatten(root, part), ...merged }
  return merged
}

/** The fields of a parameters schema (an object's properties), in its order. */
export const paramFields = (schema: unknown): ReadonlyArray<ParamField> => {
  if (!isObject(schema) || !isObject(schema.properties)) return []
  const required = Array.isArray(schema.required) ? schema.required : []
  return Object.entries(schema.properties).map(([name, property]) => {
    const p = flatten(schema, property)
    const choices = Array.isArray(p.enum) ? p.enum.map(String) : []
    const kind: ParamField["kind"] =
      choices.length > 0
        ? "choice"
        : p.type === "integer" || p.type === "number" || p.type === "boolean"
          ? p.type
          : "text"
    return {
      name,
      kind,
      choices,
      minimum: typeof p.minimum === "number" ? p.minimum : undefined,
      maximum: typeof p.maximum === "number" ? p.maximum : undefined,
      description: typeof p.description === "string" ? p.description : undefined,
      required: required.includes(name)
    }
  })
}

/** The inputs of `fields`, named `param.<name>`; empty means the strategy's default. */
export const paramInputs = (fields: ReadonlyArray<ParamField>): Markup =>
  html`<fieldset id="params"><legend>Parameters (empty: the strategy's default)</legend>${fields.map(
    (f) =>
      html`<p><label>${f.name} ${
        f.kind === "choice" || f.kind === "boolean"
          ? html`<select name="param.${f.name}"><option value="">(default)</option>${(
              f.kind === "boolean" ? ["true", "false"] : f.choices
            ).map((c) => html`<option>${c}</option>`)}</select>`
          : html`<input name="param.${f.name}"${f.kind === "text" ? "" : html` inputmode="decimal"`}${
              f.required ? html` required` : ""
            }>`
      }</label> <small>${f.kind}${f.minimum === undefined ? "" : `, from ${f.minimum}`}${
        f.maximum === undefined ? "" : ` to ${f.maximum}`
      }${f.description === undefined ? "" : ` — ${f.description}`}</small></p>`
  )}</fieldset>`

/**
 * The submitted `param.<name>` fields as values of the schema's types; an empty field is left out, and a text that is
 * not a number where one is expected stays text, for the schema to refuse by name.
 */
export const readParams = (
  fields: ReadonlyArray<ParamField>,
  form: Readonly<Record<string, unknown>>
): Record<string, unknown> => {
  const params: Record<string, unknown> = {}
  for (const f of fields) {
    const raw = form[`param.${f.name}`]
    if (typeof raw !== "string" || raw.trim() === "") continue
    const text = raw.trim()
    params[f.name] =
      (f.kind === "integer" || f.kind === "number") && /^-?\d+(\.\d+)?$/.test(text)
        ? Number(text)
        : f.kind === "boolean" && (text === "true" || text === "false")
          ? text === "true"
          : text
  }
  return params
}
