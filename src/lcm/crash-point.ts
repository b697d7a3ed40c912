/**
 * Fault injection for the crash tests: with `MANO_IT_CRASH_AT=<point>` the process kills itself (SIGKILL, no shutdown
 * hook) when it reaches that point, so a test can crash it exactly between two writes. Unset, it does nothing.
 */
export function crashPoint(point: 'slice-share-claimed'): void {
  if (process.env.MANO_IT_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
}
