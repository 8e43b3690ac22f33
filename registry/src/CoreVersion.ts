/**
 * The version of `@meridian/core` this process runs: the version plugins' `coreApi` ranges are checked against.
 *
 * @since 0.1.0
 */
import corePackage from "../../core/package.json" with { type: "json" }

export const coreVersion: string = corePackage.version
