// Node's timers hold a 32-bit signed count of milliseconds: a longer wait (about 24.8 days) fires at
// once, with a TimeoutOverflowWarning. Long waits are cut to this and re-armed when it fires.
export const MAX_TIMER_MS = 2 ** 31 - 1;
