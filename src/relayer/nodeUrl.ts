/**
 * Node URLs with credentials in their userinfo (`https://user:password@host/`), as some hosted
 * and self-run RPC gateways require. Node's `fetch` refuses such URLs outright (and names the
 * whole URL in its error), so the credentials travel as an `Authorization: Basic` header instead,
 * and anything that might print a URL goes through `redactUrlCredentials` first.
 */

export interface NodeEndpoint {
  /** The URL without userinfo: safe to log and to hand to `fetch`. */
  url: string;
  /** `Basic <base64(user:password)>` when the URL carried credentials. */
  authorization?: string;
}

// `//` then the authority up to its last `@` (an unescaped `@` in a password must not leave the
// rest of the password behind), stopping where the authority ends.
const USERINFO = /\/\/[^\s/?#]*@/g;

/** Replaces the userinfo of every URL in `text` with `[redacted]`. */
export function redactUrlCredentials(text: string): string {
  return text.replace(USERINFO, "//[redacted]@");
}

/** Splits a node URL into a credential-free URL and the Basic authorization it carried. */
export function nodeEndpoint(raw: string): NodeEndpoint {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`invalid node URL: ${redactUrlCredentials(raw)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new Error(`invalid node URL: ${redactUrlCredentials(raw)} (http or https only)`);
  if (url.username === "" && url.password === "") return { url: raw };
  let user: string;
  let password: string;
  try {
    user = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    throw new Error(`invalid node URL: ${redactUrlCredentials(raw)} (bad percent-encoding)`);
  }
  url.username = "";
  url.password = "";
  return {
    url: url.toString(),
    authorization: `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`,
  };
}
