import { z } from "zod";
import { defineMethod } from "../types.js";

export const ethChainId = defineMethod({
  name: "eth_chainId",
  scope: "read",
  params: z.tuple([]),
  handler: async (_params, { relayer }) => "0x" + relayer.chainId.toString(16),
});
