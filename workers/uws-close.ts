import type uWS from 'uWebSockets.js';

/**
 * Closes the listen socket and every open connection of a uWS app. A worker
 * that exits with any of them open aborts the whole process ("uv_loop_close()
 * while having open handles"). `App.close()` exists in uWS v20.30 but is
 * missing from its typings.
 */
export function closeApp(app: uWS.TemplatedApp): void {
  (app as uWS.TemplatedApp & { close(): void }).close();
}
