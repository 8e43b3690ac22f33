export { Params, twap as default, twap, twapSlices } from "./Twap"
