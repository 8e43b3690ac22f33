/**
 * Market data in columnar typed arrays: CSV input, a seeded generator and the merge into one replay order.
 *
 * @since 0.1.0
 */
export * as Columns from "./Columns"
export * as Csv from "./Csv"
export * as Generate from "./Generate"
export * as Merge from "./Merge"
