import { z } from "zod";
import { defineMethod } from "../types.js";

export const ethSupportedEntryPoints = defineMethod({
  name: "eth_supportedEntryPoints",
  scope: "read",
  params: z.tuple([]),
  handler: async (_params, { relayer }) => [relayer.entryPoint],
});
