export { Params, smaCross as default, smaCross } from "./SmaCross"
