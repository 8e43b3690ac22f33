/**
 * Money as the portal shows it: exact integer minor units turned into a decimal string only here, at rendering.
 */
import { fromUnits, minorIncrement } from "../../../core/domain/Decimal"

/** `123456` minor units with 2 decimals: `"1234.56"` (CSV: no grouping). */
export const plain = (minor: number, decimals: number): string => fromUnits(minor, minorIncrement(decimals))

/** `"1,234.56"`: grouped for reading. */
export const grouped = (minor: number, decimals: number): string => {
  const text = plain(minor, decimals)
  const [whole = "", fraction] = text.split(".")
  const sign = whole.startsWith("-") ? "-" : ""
  const digits = whole.replace("-", "").replace(/\B(?=(\d{3})+(?!\d))/g, ",")
  return `${sign}${digits}${fraction === undefined ? "" : `.${fraction}`}`
}

/** A ratio as a percentage with two decimals, or a dash. */
export const percent = (ratio: number | undefined): string =>
  ratio === undefined || !Number.isFinite(ratio) ? "–" : `${(ratio * 100).toFixed(2)}%`
