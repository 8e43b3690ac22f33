/**
 * A FIX 4.4 broker simulator: a FIX acceptor that trades its clients' orders on the simulated venue of
 * `connector-sim`. Run it as a process (`src/main.ts`); this entry exports the broker for embedding.
 *
 * @since 0.1.0
 */
export * as BrokerSimulator from "./BrokerSimulator"
export { make as default } from "./BrokerSimulator"
export * as ControlServer from "./ControlServer"
