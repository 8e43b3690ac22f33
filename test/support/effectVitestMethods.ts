/**
 * Setup file: each test file starts with @effect/vitest's own `it.effect`, `it.scoped`, ... . `layer(...)` assigns its
 * layer-bound versions onto vitest's one shared `it`, and a worker keeps modules between files (isolate: false), so a
 * later file's `it.scoped` ran inside an earlier file's layer: no TestClock, no test services (CI failed on it twice).
 */
import { effect, flakyTest, layer, live, prop, scoped, scopedLive } from "@effect/vitest"
import { it } from "vitest"

Object.assign(it, { effect, flakyTest, layer, live, prop, scoped, scopedLive })
