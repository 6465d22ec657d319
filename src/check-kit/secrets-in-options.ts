// Options that hold a secret only in part: a map of request headers where Authorization is one, a
// URL with a password in it, a webhook URL whose path is its token. A plugin marks such an option
// with holdsSecrets(schema, finder), and `vigil check-config` and the daemon warn about each secret
// found written in the config, as they do about an inline `<key>` beside `<key>_env` and
// `<key>_file` (secretOptionsShape).
import { z } from 'zod';
import { isObject } from '../is-object.js';
import { webhookTokenOf } from './webhook-tokens.js';

/** A secret written in an option's value. */
export interface InlineSecret {
  /** Where inside the value: a header's name; [] for the value itself. */
  path: Array<string | number>;
  /** What it is, when not just "a secret": "a password in the URL". */
  what?: string;
  /** What to do instead: "put it in the daemon's environment (headers_env: …)". */
  instead: string;
}

/** Finds the secrets written in an option's value, as the config has it. */
export type SecretFinder = (value: unknown) => InlineSecret[];

const marked = z.registry<{ findSecrets: SecretFinder[] }>();

/** Marks `schema` (this very schema, and what is made from it with .describe() or .meta()) as an option that may hold secrets. */
export function holdsSecrets<T extends z.ZodType>(schema: T, ...finders: SecretFinder[]): T {
  marked.add(schema, { findSecrets: [...(marked.get(schema)?.findSecrets ?? []), ...finders] });
  return schema;
}

/** The finders `schema` was marked with, if it was. */
export function secretFindersOf(schema: z.ZodType): SecretFinder[] {
  return marked.get(schema)?.findSecrets ?? [];
}

/**
 * Names that carry credentials, of headers or of URL query parameters: Authorization,
 * Proxy-Authorization, Cookie, X-API-Key, secret=, and any other naming an auth, a key, a
 * password, a secret or a token (X-Auth-Token, X-Vault-Token, api_key=).
 */
const CREDENTIAL_NAME = /auth|cookie|key|passw|secret|token/i;

export function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name);
}

/** A URL's query parameter that carries a credential: one named for it, or `sig=` (an Azure shared access signature, as Power Automate's webhook URLs have). */
function isCredentialParameter(name: string): boolean {
  return isCredentialName(name) || name.toLowerCase() === 'sig';
}

/**
 * A URL as messages, logs and the history show it: its password, each query parameter named for a
 * credential (secret=, token=, api_key=, sig=) and the token in the path of a known webhook URL
 * (Slack's /services/T…/B…/***: webhook-tokens.ts) written as ***. A text that is no URL is
 * returned as it is.
 */
export function redactedUrl(text: string): string {
  if (!URL.canParse(text)) return text;
  const url = new URL(text);
  const webhook = webhookTokenOf(url);
  const secretParameters = [...url.searchParams.keys()].filter(isCredentialParameter);
  if (!url.password && !secretParameters.length && !webhook) return text;
  webhook?.redact(url);
  if (url.password) url.password = '***';
  for (const name of secretParameters) url.searchParams.set(name, '***');
  return url.href;
}

/** For a header map (name → value): each credential header given a value, which `envKey` (`headers_env`) could take from the environment instead. */
export function credentialHeaders(envKey: string): SecretFinder {
  return (value) => {
    if (!isObject(value)) return [];
    return Object.entries(value)
      .filter(([name, text]) => isCredentialName(name) && text !== '')
      .map(([name]) => ({ path: [name], what: 'a credential', instead: `put it in the daemon's environment (${envKey}: { ${name}: VARIABLE })` }));
  };
}

/** When a plugin offers nothing better for a URL's password. */
const RESTRICT_THE_FILE = "nothing else can hold it: make the config file readable only by the daemon's user (chmod 600)";

/** For a URL option: a password in it (https://user:password@host/). `instead`: what the plugin offers in its place, if anything. */
export function passwordInUrl(instead = RESTRICT_THE_FILE): SecretFinder {
  return (value) => {
    if (typeof value !== 'string' || !URL.canParse(value)) return [];
    return new URL(value).password ? [{ path: [], what: 'a password in the URL (user:password@)', instead }] : [];
  };
}

/**
 * For a URL option: a URL that is itself a secret — a known chat service's webhook URL whose path
 * or query is its token (webhook-tokens.ts lists them: Slack, Discord, Microsoft Teams…), or any URL with a query parameter named for a credential (token=, api_key=). `instead`: what
 * the plugin offers in its place (`url_file`, `url_env`).
 */
export function tokenInUrl(instead = RESTRICT_THE_FILE): SecretFinder {
  return (value) => {
    if (typeof value !== 'string' || !URL.canParse(value)) return [];
    const url = new URL(value);
    const webhook = webhookTokenOf(url);
    if (webhook) return [{ path: [], what: `a ${webhook.service} URL (${webhook.why})`, instead }];
    const parameters = [...new Set(url.searchParams.keys())].filter(isCredentialParameter);
    if (!parameters.length) return [];
    return [{ path: [], what: `a credential in the URL's query (${parameters.map((name) => `${name}=`).join(', ')})`, instead }];
  };
}

/**
 * Request headers written in the config (`headers`, credentials warned about) and those whose
 * value comes from the daemon's environment (`headers_env`, header name → variable): the pair of
 * options a plugin that sends HTTP requests offers, as the http check and the webhook alert do.
 */
export function headerOptionsShape(what: string) {
  return {
    headers: holdsSecrets(z.record(z.string(), z.string()).default({}).meta({ description: what }), credentialHeaders('headers_env')),
    headers_env: z
      .record(z.string(), z.string().min(1))
      .default({})
      .meta({ description: "Headers whose value comes from the daemon's environment, read at each request: {Authorization: API_TOKEN}" }),
  };
}

/** The headers `headers_env` names, read now; throws, naming the header and variable, when one is not set. */
export function headersFromEnv(names: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [header, variable] of Object.entries(names)) {
    const value = process.env[variable];
    if (value === undefined) throw new Error(`header ${header}: environment variable ${variable} is not set`);
    headers[header] = value;
  }
  return headers;
}
