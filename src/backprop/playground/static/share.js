// The page's settings in the address's fragment: #s=<base64url(deflate(JSON))>.  A fragment is never
// sent to the server, and the token (a query parameter) is never part of it.
const PREFIX = "#s=";

async function pipe(bytes, stream) {
  const out = new Response(new Blob([bytes]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

function toBase64url(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64url(text) {
  const s = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

export async function encodeState(obj) {
  const json = new TextEncoder().encode(JSON.stringify(obj));
  return PREFIX + toBase64url(await pipe(json, new CompressionStream("deflate-raw")));
}

// The settings in ``hash`` (location.hash), or null when it holds none; throws on a damaged one.
export async function decodeState(hash) {
  if (!hash || !hash.startsWith(PREFIX)) return null;
  const bytes = await pipe(fromBase64url(hash.slice(PREFIX.length)), new DecompressionStream("deflate-raw"));
  return JSON.parse(new TextDecoder().decode(bytes));
}
