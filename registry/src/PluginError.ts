/**
 * The failure of finding, validating or loading a plugin.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

export class PluginError extends Schema.TaggedError<PluginError>()("PluginError", {
  reason: Schema.Literal("NotFound", "InvalidManifest", "Incompatible", "InvalidEntry", "LoadFailed"),
  /** The plugin's folder or id. */
  plugin: Schema.String,
  message: Schema.String,
  issues: Schema.optionalWith(Schema.Array(Schema.String), { exact: true })
}) {}
