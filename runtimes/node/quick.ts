/**
 * What `bin/meridian.mjs` answers without loading the bundle (built alone into `dist/quick.cjs`, a few KB):
 * `meridian --help` from the text the build stored, fitted to the terminal, and `meridian info`. Loading the
 * bundle's first chunk and Effect is most of any other start.
 */
export { infoLine } from "../cli/Info"
export { helpLayout, plainHelp } from "../cli/PlainHelp"
