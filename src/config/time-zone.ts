// `time_zone:` wherever a schedule or a period is read on a wall clock (maintenance windows,
// history retention): an IANA name Node knows, checked at load so a typo is a config error.
import { z } from 'zod';
import { isTimeZone } from '../alerting/time-period.js';

/** An IANA time zone name (`Europe/Berlin`, `UTC`); `what` is what it is the zone of, for the schema's description. */
export function timeZoneSchema(what: string) {
  return z
    .string()
    .refine(isTimeZone, { error: (issue) => `unknown time zone ${JSON.stringify(issue.input)} (expected an IANA name such as Europe/Berlin)` })
    .optional()
    .meta({ description: `IANA time zone of ${what} (default: local time)` });
}
