import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface LocalHttp {
  readonly url: string;
  close(): Promise<void>;
}

/** A local HTTP server on a free port that hands each request its whole body (the fakes' REST APIs). */
export async function localHttp(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<LocalHttp> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
