/**
 * Static data files: loading, validation and the shipped real-world set.
 *
 * @since 0.1.0
 */
export * as StaticDataSet from "./StaticDataSet"
