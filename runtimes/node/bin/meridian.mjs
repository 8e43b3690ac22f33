#!/usr/bin/env node
// Runs Meridian's TypeScript sources on Node without a build step.
import { register } from "tsx/esm/api"

register()
await import("../main.ts")
