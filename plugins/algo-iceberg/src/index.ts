export { iceberg as default, iceberg, Params } from "./Iceberg"
