export { Params, vwap as default, vwap, vwapSlices } from "./Vwap"
