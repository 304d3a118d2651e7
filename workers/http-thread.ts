/**
 * HTTP thread: Kubernetes probes and Prometheus metrics, answered from the
 * shared status region (never by asking another thread).
 */
import uWS from 'uWebSockets.js';
import { EngineView } from '../api/engine-view.js';
import { renderMetrics } from '../api/metrics.js';
import { docsPage, OPENAPI } from '../api/openapi.js';
import { threadKit } from './thread-kit.js';
import { closeApp } from './uws-close.js';

const kit = threadKit();
const { plan, log } = kit;
const view = new EngineView(plan);
const beat = setInterval(kit.beat, 100);

function json(res: uWS.HttpResponse, status: string, body: unknown): void {
  res.cork(() => {
    res.writeStatus(status).writeHeader('Content-Type', 'application/json').writeHeader('Cache-Control', 'no-store').end(JSON.stringify(body));
  });
}

const app = uWS
  .App()
  .get('/health/live', (res) => {
    const stuck = view.stuckThreads();
    json(res, stuck.length ? '503 Service Unavailable' : '200 OK', { live: stuck.length === 0, stuck });
  })
  .get('/health/ready', (res) => {
    const reasons = view.notReadyReasons();
    json(res, reasons.length ? '503 Service Unavailable' : '200 OK', { ready: reasons.length === 0, reasons });
  })
  .get('/health/workers', (res) => json(res, '200 OK', { workers: view.workers() }))
  .get('/health/providers', (res) => json(res, '200 OK', { providers: view.providers() }))
  .get('/metrics', (res) => {
    const text = renderMetrics(view);
    res.cork(() => res.writeStatus('200 OK').writeHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8').end(text));
  })
  .get('/openapi.json', (res) => json(res, '200 OK', OPENAPI))
  .get('/docs', (res) => {
    const html = docsPage();
    res.cork(() => res.writeStatus('200 OK').writeHeader('Content-Type', 'text/html; charset=utf-8').end(html));
  })
  .any('/*', (res, req) => json(res, '404 Not Found', { error: 'not_found', message: `no route ${req.getMethod().toUpperCase()} ${req.getUrl()}` }))
  .listen(plan.config.http.host, plan.config.http.port, (token) => {
    if (!token) {
      log.fatal({ host: plan.config.http.host, port: plan.config.http.port }, 'HTTP server cannot listen (port in use?)');
      process.exit(1);
    }
    kit.send({ type: 'listening', service: 'http', port: uWS.us_socket_local_port(token) });
  });

kit.onControl((m) => {
  if (m.type !== 'stop' && m.type !== 'drain') return;
  clearInterval(beat);
  closeApp(app);
  process.exit(0);
});
kit.send({ type: 'started' });
