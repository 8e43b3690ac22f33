export { meanReversion as default, meanReversion, Params, stopPrice, takeProfitPrice } from "./MeanReversion"
export { OwnOrders } from "./OwnOrders"
