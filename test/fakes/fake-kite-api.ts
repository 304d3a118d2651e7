/**
 * A local Kite Connect REST API answering with Zerodha's public mock bodies
 * (../shared/data/kite-mocks/*.json) and checking what clients send: the
 * session exchange's checksum (sha256 of api_key + request_token + api_secret),
 * the `X-Kite-Version: 3` header, and `Authorization: token api_key:access_token`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { sharedData } from '../helpers/shared-data.js';

export const mock = (name: string) => JSON.parse(readFileSync(sharedData(`kite-mocks/${name}.json`), 'utf8'));

export class FakeKiteApi {
  readonly requests: { method: string; path: string; headers: IncomingMessage['headers']; form: URLSearchParams }[] = [];
  /** Request tokens Kite would accept (each once). */
  readonly requestTokens = new Set<string>();
  readonly session = mock('generate_session');

  private constructor(private readonly server: Server, readonly apiKey: string, readonly apiSecret: string) {}

  static async start(apiKey: string, apiSecret: string): Promise<FakeKiteApi> {
    const server = createServer();
    const fake = new FakeKiteApi(server, apiKey, apiSecret);
    server.on('request', (req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => fake.handle(req, res, new URLSearchParams(body)));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  private handle(req: IncomingMessage, res: ServerResponse, form: URLSearchParams): void {
    const path = (req.url ?? '').split('?')[0];
    this.requests.push({ method: req.method ?? '', path, headers: req.headers, form });
    const send = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const fail = (status: number, type: string, message: string): void => send(status, { status: 'error', message, error_type: type });
    if (req.headers['x-kite-version'] !== '3') return fail(400, 'InputException', 'X-Kite-Version header missing');
    if (req.method === 'POST' && path === '/session/token') {
      const token = form.get('request_token') ?? '';
      const expected = createHash('sha256').update(this.apiKey + token + this.apiSecret).digest('hex');
      if (form.get('api_key') !== this.apiKey || form.get('checksum') !== expected) return fail(403, 'TokenException', 'Invalid checksum');
      if (!this.requestTokens.delete(token)) return fail(403, 'TokenException', 'Token is invalid or has expired.');
      return send(200, this.session);
    }
    if (req.method === 'GET' && path === '/user/profile') {
      if (req.headers.authorization !== `token ${this.apiKey}:${this.session.data.access_token}`) return fail(403, 'TokenException', 'Incorrect `api_key` or `access_token`.');
      return send(200, mock('profile'));
    }
    fail(404, 'GeneralException', `no route ${req.method} ${path}`);
  }
}
