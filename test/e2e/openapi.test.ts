import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Ajv2020 from 'ajv/dist/2020.js';
import { startEngineProcess, type EngineProcess } from '../helpers/engine-process.js';

let engine: EngineProcess;
beforeAll(async () => {
  engine = await startEngineProcess({});
  await engine.waitFor('ready', async () => (await engine.get('/health/ready')).status === 200);
});
afterAll(() => engine?.stop());

describe('OpenAPI document', () => {
  it('is served at /openapi.json, and every route it lists answers as documented', async () => {
    const doc = (await engine.get('/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    const ajv = new (Ajv2020 as unknown as typeof Ajv2020.default)({ strict: false });
    let checked = 0;
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        // path parameters take their documented examples; no token, no body
        const url = path.replace(/\{(\w+)\}/g, (_: string, name: string) => op.parameters.find((p: any) => p.name === name).example);
        const res = await fetch(`http://127.0.0.1:${engine.httpPort}${url}`, { method: method.toUpperCase() });
        const documented = op.responses[String(res.status)];
        expect(documented, `${method} ${path} answered ${res.status}, not documented`).toBeDefined();
        const text = await res.text();
        const type = (res.headers.get('content-type') ?? '').split(';')[0];
        if (documented.content) expect(Object.keys(documented.content), `${method} ${path}`).toContain(type);
        const schema = documented.content[type].schema;
        if (!documented.content) {
          expect(text).toBe('');
          checked++;
          continue;
        }
        const body = type === 'application/json' ? JSON.parse(text) : text;
        const validate = ajv.compile(schema);
        expect(validate(body), `${method} ${path}: ${JSON.stringify(validate.errors)}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBe(Object.values<any>(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0));
    expect(checked).toBe(36);
  });

  it('the docs page lists every route and loads nothing from elsewhere', async () => {
    const { status, text } = await engine.get('/docs');
    expect(status).toBe(200);
    for (const path of ['/health/live', '/health/ready', '/health/workers', '/health/providers', '/health/risk', '/health/db', '/health/broker', '/metrics', '/openapi.json']) expect(text).toContain(path);
    expect(text).not.toMatch(/<(script|link)[^>]+(src|href)="https?:/);
  });

  it('unknown routes are a JSON 404', async () => {
    const r = await engine.get('/nope');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: 'not_found', message: 'no route GET /nope' });
  });
});
