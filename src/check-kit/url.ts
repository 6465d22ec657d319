// Helpers for a check's `fromUrl`, which turns an ad-hoc `vigil probe` URL into a target.
import { parse } from 'yaml';

/** The host of a URL as an address to connect to (`[::1]` → `::1`). */
export function addressFromUrl(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/**
 * A URL's `user:password@` as an HTTP Basic `Authorization` value, as curl sends it; undefined when
 * it has none. HTTP clients such as undici send no credentials written in a URL: a plugin that
 * takes a URL hands them on itself.
 */
export function basicAuthorization(url: URL): string | undefined {
  if (!url.username && !url.password) return undefined;
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
}

/** The URL's port as a number, when it has one. */
export function portFromUrl(url: URL): number | undefined {
  return url.port ? Number(url.port) : undefined;
}

/**
 * Query parameters as check options: `?type=MX&min_answers=2&expect_rcode=[NOERROR,NXDOMAIN]`.
 * Values are read as YAML, as in a config file, so numbers, booleans and lists keep their type.
 */
export function optionsFromQuery(url: URL): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [key, value] of url.searchParams) options[key] = value === '' ? true : parse(value);
  return options;
}
