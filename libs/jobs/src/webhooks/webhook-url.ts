const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
export const WEBHOOK_URL_MAX_LENGTH = 2048;

/**
 * Why a webhook URL is refused, or null. https only; plain http only for a receiver on this machine and only
 * outside production (tests and local development). No credentials in the URL: they would be stored in the log.
 * Checked at registration and again before every delivery.
 */
export function webhookUrlProblem(
  value: string,
  options: { readonly allowLoopbackHttp: boolean },
): string | null {
  if (value.length > WEBHOOK_URL_MAX_LENGTH)
    return `url must be at most ${WEBHOOK_URL_MAX_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'url is not an absolute URL';
  }
  if (url.username !== '' || url.password !== '') return 'url must not carry credentials';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:') {
    if (options.allowLoopbackHttp && LOOPBACK_HOSTS.has(url.hostname)) return null;
    return options.allowLoopbackHttp
      ? 'url must use https (http only for localhost or 127.0.0.1)'
      : 'url must use https';
  }
  return 'url must use https';
}
