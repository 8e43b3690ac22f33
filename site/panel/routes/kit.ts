/**
 * What a route module needs from the panel (`Panel.make` hands it over): its handler wrapper (an Effect handler, a
 * refusal as its status and one line, any other failure a logged 500) and its role check, over the panel's Env.
 */
import type { Effect } from "effect"
import type { Context, MiddlewareHandler } from "hono"
import type { Role } from "../../../core/db/PanelUsers"
import type { Viewer } from "../internal/html"
import type { PanelServices } from "../Panel"

/** The panel's Hono environment: the signed-in viewer. */
export type PanelEnv = {
  Variables: { viewer: Viewer & { readonly userId: string; readonly tokenHash: string } }
}

export interface RouteKit {
  readonly handle: <E>(
    handler: (c: Context<PanelEnv>) => Effect.Effect<Response, E, PanelServices>
  ) => (c: Context<PanelEnv>) => Promise<Response>
  readonly allow: (...roles: ReadonlyArray<Role>) => MiddlewareHandler<PanelEnv>
}
