// Webhook URLs that are themselves the secret: chat services whose incoming-webhook URL carries its
// token in the path (Slack's /services/T…/B…/TOKEN) or in the query (Power Automate's sig=). Known
// only by their hosts and path shapes, as the services document them: an arbitrary URL's path is
// not guessed at.

/** A service whose webhook URLs carry their token, and where. */
export interface WebhookToken {
  /** `Slack webhook`, `Power Automate workflow`. */
  service: string;
  /** Where its token is: `its path is its token`. */
  why: string;
  /** Writes *** over the token (the URL is changed in place). */
  redact(url: URL): void;
}

const segmentsOf = (url: URL) => url.pathname.split('/').filter(Boolean);

/** Writes *** over the path's segments from `index` on (to the end, or `count` of them). */
function hideSegments(url: URL, index: number, count = Infinity): void {
  const segments = segmentsOf(url);
  const hidden = segments.map((segment, i) => (i >= index && i < index + count ? '***' : segment));
  url.pathname = `/${hidden.join('/')}${url.pathname.endsWith('/') && segments.length ? '/' : ''}`;
  // Several hidden segments read as one: /webhookb2/***, not /webhookb2/***/***/***.
  url.pathname = url.pathname.replace(/(\/\*\*\*)+/g, '/***');
}

const hostIs = (url: URL, ...hosts: string[]) => hosts.includes(url.hostname.toLowerCase());
const hostEndsWith = (url: URL, ...suffixes: string[]) => suffixes.some((suffix) => url.hostname.toLowerCase().endsWith(suffix));

interface KnownService extends WebhookToken {
  matches(url: URL): boolean;
}

const KNOWN: KnownService[] = [
  {
    // https://hooks.slack.com/services/T…/B…/TOKEN (and workflow triggers, /triggers/T…/…/TOKEN)
    service: 'Slack webhook',
    why: 'its path is its token',
    matches: (url) => hostIs(url, 'hooks.slack.com', 'hooks.slack-gov.com') && segmentsOf(url).length >= 2,
    redact: (url) => hideSegments(url, segmentsOf(url).length - 1),
  },
  {
    // https://discord.com/api/webhooks/ID/TOKEN (/api/v10/webhooks/…; a /slack or /github suffix)
    service: 'Discord webhook',
    why: 'its path holds its token',
    matches: (url) =>
      hostIs(url, 'discord.com', 'discordapp.com', 'ptb.discord.com', 'canary.discord.com', 'ptb.discordapp.com', 'canary.discordapp.com') &&
      /^\/api(?:\/v\d+)?\/webhooks\/[^/]+\/[^/]+/.test(url.pathname),
    redact: (url) => hideSegments(url, segmentsOf(url).indexOf('webhooks') + 2, 1),
  },
  {
    // Microsoft Teams' incoming webhooks (Office 365 connectors):
    // https://TENANT.webhook.office.com/webhookb2/GUID@GUID/IncomingWebhook/HEX/GUID/SIGNATURE
    service: 'Microsoft Teams webhook',
    why: 'its path is its token',
    matches: (url) =>
      (hostEndsWith(url, '.webhook.office.com') || hostIs(url, 'outlook.office.com', 'outlook.office365.com')) &&
      /^\/webhook(?:b2)?\/./.test(url.pathname),
    redact: (url) => hideSegments(url, 1),
  },
  {
    // Teams' Workflows (Power Automate, Logic Apps):
    // https://prod-00.westus.logic.azure.com/workflows/ID/triggers/manual/paths/invoke?api-version=…&sig=SIGNATURE
    service: 'Power Automate workflow',
    why: 'sig= in its query is its key',
    matches: (url) => hostEndsWith(url, '.logic.azure.com', '.powerplatform.com') && url.searchParams.has('sig'),
    redact: (url) => url.searchParams.set('sig', '***'),
  },
  {
    // https://chat.googleapis.com/v1/spaces/SPACE/messages?key=KEY&token=TOKEN
    service: 'Google Chat webhook',
    why: 'key= and token= in its query are its credentials',
    matches: (url) => hostIs(url, 'chat.googleapis.com') && (url.searchParams.has('key') || url.searchParams.has('token')),
    redact: (url) => {
      for (const name of ['key', 'token']) if (url.searchParams.has(name)) url.searchParams.set(name, '***');
    },
  },
  {
    // https://webexapis.com/v1/webhooks/incoming/TOKEN
    service: 'Webex webhook',
    why: 'its path is its token',
    matches: (url) => hostIs(url, 'webexapis.com', 'api.ciscospark.com') && /^\/v1\/webhooks\/incoming\/[^/]+/.test(url.pathname),
    redact: (url) => hideSegments(url, 3),
  },
  {
    // Rocket.Chat runs on the user's own host: https://chat.example.com/hooks/ID/TOKEN, the ID
    // 17 characters and the token 48 (letters and digits), as Rocket.Chat makes them.
    service: 'Rocket.Chat webhook',
    why: 'its path holds its token',
    matches: (url) => /\/hooks\/[A-Za-z0-9]{17}\/[A-Za-z0-9]{48}\/?$/.test(url.pathname),
    redact: (url) => hideSegments(url, segmentsOf(url).length - 1),
  },
  {
    // Mattermost runs on the user's own host: https://chat.example.com/hooks/ID, the ID being
    // Mattermost's own 26 characters (a-z, 0-9).
    service: 'Mattermost webhook',
    why: 'its path is its token',
    matches: (url) => /\/hooks\/[a-z0-9]{26}\/?$/.test(url.pathname),
    redact: (url) => hideSegments(url, segmentsOf(url).length - 1),
  },
];

/** The known service whose webhook URL this is, with its token, if it is one. */
export function webhookTokenOf(url: URL): WebhookToken | undefined {
  return KNOWN.find((known) => known.matches(url));
}
