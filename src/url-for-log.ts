// URLs as they may be logged or printed: TOMADA_DATABASE_URL and TOMADA_NATS_URL carry the
// database's and NATS's passwords, and a webhook URL may carry the receiver's. A log line is read
// by more people, and kept longer, than the environment the secret came from.

/** Query parameters that hold a secret (libpq's `password`, `sslpassword`, and the like). */
const SECRET_PARAMETER = /pass|secret|token|key/i;

/** A URL without its user, password and secret parameters (each replaced by `***`); one that cannot be read, as a placeholder. */
export function urlForLog(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Its text may be a URL with a typo that still holds a password: none of it is written.
    return '(unreadable URL)';
  }
  // Without '//' (a scheme left out: `user:password@host:4222` reads as the scheme `user:`), no
  // user or password is parsed: what comes before an '@' may be one all the same.
  const at = url.host === '' ? url.pathname.lastIndexOf('@') : -1;
  if (at >= 0) return `${url.protocol}***${url.pathname.slice(at)}${url.search === '' ? '' : '?…'}`;
  if (url.username !== '' || url.password !== '') {
    url.username = '***';
    url.password = '';
  }
  for (const name of [...url.searchParams.keys()]) if (SECRET_PARAMETER.test(name)) url.searchParams.set(name, '***');
  return url.href;
}

/** A comma-separated list of URLs (TOMADA_NATS_URL), as it may be logged. */
export function urlListForLog(text: string): string {
  return text
    .split(',')
    .map((part) => (part.trim() === '' ? part : urlForLog(part.trim())))
    .join(',');
}
