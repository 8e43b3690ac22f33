export * as Cli from "./Cli"
