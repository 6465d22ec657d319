// A deadline that lets answers already received be read before it expires. When the event loop
// has been held up (a long GC, a reload applying a large config), a deadline timer and an answer
// that came in meanwhile are due together; timers run before I/O, so a plain timer would call a
// check that was answered a timeout. setImmediate runs after the I/O phase: the answer goes first.

/** Calls `expire` once `ms` have passed and pending answers have been read; returns a cancel. */
export function setDeadline(expire: () => void, ms: number): () => void {
  let immediate: NodeJS.Immediate | undefined;
  const timer = setTimeout(() => (immediate = setImmediate(expire)), ms);
  return () => {
    clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
  };
}
