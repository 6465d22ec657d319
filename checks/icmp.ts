// ICMP check: echo requests ("ping") from the daemon itself on a raw socket, as ldirectord's
// `checktype = ping` and keepalived's PING_CHECK do, without starting ping(8) per check. UP when
// enough replies come back; an ICMP error (host unreachable, TTL exceeded) is reported as such.
// Needs root or CAP_NET_RAW (a director's daemon has it for ipvsadm).
import {
  addressFromUrl,
  answerBudgetMs,
  defineCheck,
  duration,
  formatDuration,
  optionsFromQuery,
  sendEcho,
  z,
  type CheckContext,
  type CheckResult,
  type EchoOutcome,
  type Target,
} from 'vigil/plugin';

const options = z
  .strictObject({
    count: z.int().min(1).max(100).default(1).describe('Echo requests per check (ldirectord checkcount, ping -c)'),
    interval: duration().default(200).describe('Time between two echo requests of one check'),
    min_replies: z.int().min(1).optional().describe('Replies needed for UP (default: one, as ping; set it to count to allow no loss)'),
    size: z.int().min(0).max(65_000).default(56).describe('Payload bytes per request (ping -s; 56 by default)'),
    warn_latency: duration().optional().describe('An average round trip slower than this is a warning instead of up'),
  })
  .superRefine((value, ctx) => {
    if (value.min_replies !== undefined && value.min_replies > value.count) {
      ctx.addIssue({ code: 'custom', path: ['min_replies'], message: `min_replies (${value.min_replies}) cannot be more than count (${value.count})` });
    }
  });
type IcmpOptions = z.output<typeof options>;

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** Sends `count` echoes `interval` apart; each waits until the check's own budget runs out. */
async function sendEchoes(target: Target, opts: IcmpOptions, ctx: CheckContext): Promise<EchoOutcome[]> {
  const budgetMs = answerBudgetMs(ctx);
  const echoes: Array<Promise<EchoOutcome>> = [];
  let stopped = false; // cut by the timeout, or no socket to send from: send no more
  const stopListening = ctx.onAbort(() => (stopped = true));
  for (let i = 0; i < opts.count && !stopped; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, opts.interval));
    const waitMs = budgetMs - i * opts.interval;
    if (waitMs <= 0 || stopped) break; // the interval does not fit this many requests in the timeout
    const echo = sendEcho({ address: target.address, payloadBytes: opts.size, waitMs, onAbort: (listener) => ctx.onAbort(listener) });
    echo.catch(() => (stopped = true));
    echoes.push(echo);
  }
  try {
    return await Promise.all(echoes);
  } finally {
    stopListening();
  }
}

function judge(outcomes: EchoOutcome[], opts: IcmpOptions, budgetMs: number): CheckResult {
  const rtts = outcomes.flatMap((outcome) => (outcome.kind === 'reply' ? [outcome.rttMs] : []));
  const needed = opts.min_replies ?? 1;
  const lossPercent = Math.round((100 * (opts.count - rtts.length)) / opts.count);
  const perf: Record<string, number> = { replies: rtts.length, loss_percent: lossPercent };
  if (rtts.length) Object.assign(perf, { rtt_min: round(Math.min(...rtts)), rtt_avg: round(rtts.reduce((a, b) => a + b, 0) / rtts.length), rtt_max: round(Math.max(...rtts)) });
  const counted = `${rtts.length}/${opts.count} replies`;
  if (rtts.length >= needed) {
    const average = perf.rtt_avg!;
    // As ping prints them: min/avg/max with three decimals.
    const line = `${counted}, rtt ${[perf.rtt_min!, average, perf.rtt_max!].map((ms) => ms.toFixed(3)).join('/')} ms`;
    if (opts.warn_latency !== undefined && average > opts.warn_latency) {
      return { status: 'warning', message: `${line}, slow: average ${formatDuration(average)} > warn_latency ${formatDuration(opts.warn_latency)}`, latencyMs: average, perf };
    }
    return { status: 'up', message: line, latencyMs: average, perf };
  }
  // Down: say why, from what came back instead of replies.
  const failure = outcomes.find((outcome) => outcome.kind === 'failed');
  const error = outcomes.find((outcome) => outcome.kind === 'error');
  const why =
    failure?.kind === 'failed' ? `cannot send: ${failure.error.message}`
    : error?.kind === 'error' ? `${error.reason} (ICMP from ${error.from})`
    : `no reply within ${formatDuration(budgetMs)}`;
  const wanted = needed > 1 ? `, ${needed} needed` : '';
  return { status: 'down', message: `${counted}${wanted}: ${why}`, perf };
}

export default defineCheck({
  type: 'icmp',
  description: 'ICMP echo (ping) from a raw socket: up when enough replies come back',
  options,
  schemes: ['icmp', 'ping'],
  fromUrl(url) {
    return { address: addressFromUrl(url), options: optionsFromQuery(url) };
  },
  async run(target, opts, ctx) {
    return judge(await sendEchoes(target, opts, ctx), opts, answerBudgetMs(ctx));
  },
});
