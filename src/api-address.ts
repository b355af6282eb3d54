// The operator API's address as requests are made from it, one rule for every command that calls
// the API (the operator commands, `tomada sim --api-token`).

/**
 * `url` without trailing slashes or the API's own `/api/v1` (copied from a request or the OpenAPI
 * document, it doubled every path into a 404 that read as "not found"); undefined when it is not
 * an http(s) URL (`127.0.0.1:8080` without its scheme was reported as an address not reached).
 */
export function operatorApiBase(url: string): string | undefined {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed?.protocol !== 'http:' && parsed?.protocol !== 'https:') return undefined;
  return url.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
}
