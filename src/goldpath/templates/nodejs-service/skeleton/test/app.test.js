'use strict';

const request = require('supertest');
const { buildApp } = require('./helpers');

describe('routes', () => {
  test('GET / greets with the service name', async () => {
    const { app, config } = buildApp();
    const res = await request(app).get('/');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ service: config.serviceName, message: `Hello from ${config.serviceName}` });
  });

  test('GET /healthz reports the process alive', async () => {
    const res = await request(buildApp().app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  test('GET /readyz is ready while serving', async () => {
    const res = await request(buildApp().app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready' });
  });

  test('GET /readyz is 503 while shutting down', async () => {
    const res = await request(buildApp({ state: { shuttingDown: true } }).app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'shutting down' });
  });

  test('unknown paths get a JSON 404', async () => {
    const res = await request(buildApp().app).get('/no/such/page');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body.error).toEqual({ name: 'NotFound', message: 'No route for GET /no/such/page' });
  });

  test('a malformed JSON body gets a JSON 400', async () => {
    const res = await request(buildApp().app)
      .post('/')
      .set('Content-Type', 'application/json')
      .send('{"broken":');
    expect(res.status).toBe(400);
    expect(res.body.error.name).toBeDefined();
  });

  test('a failing handler gets a JSON 500 without internals', async () => {
    const failing = {
      ...require('../src/metrics').createMetrics(),
      register: { contentType: 'text/plain', metrics: () => Promise.reject(new Error('secret detail')) },
    };
    const { app, lines } = buildApp({ metrics: failing });
    const res = await request(app).get('/metrics');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { name: 'InternalServerError', message: 'Internal Server Error' } });
    expect(JSON.stringify(res.body)).not.toContain('secret detail');
    expect(lines.map((line) => JSON.parse(line)).some((entry) => entry.level === 'error')).toBe(true);
  });
});

describe('request ids and logs', () => {
  test('every response carries a generated request id', async () => {
    const res = await request(buildApp().app).get('/');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('a valid incoming X-Request-Id is kept', async () => {
    const res = await request(buildApp().app).get('/').set('X-Request-Id', 'abc-123');
    expect(res.headers['x-request-id']).toBe('abc-123');
  });

  test('an unsafe incoming X-Request-Id is replaced', async () => {
    const res = await request(buildApp().app).get('/').set('X-Request-Id', 'bad id with spaces');
    expect(res.headers['x-request-id']).not.toBe('bad id with spaces');
  });

  test('access logs are JSON lines with the request id', async () => {
    const { app, lines } = buildApp();
    const res = await request(app).get('/').set('X-Request-Id', 'req-42');
    expect(res.status).toBe(200);
    const entries = lines.map((line) => JSON.parse(line));
    const access = entries.find((entry) => entry.requestId === 'req-42');
    expect(access).toBeDefined();
    expect(access.level).toBe('info');
    expect(access.res.statusCode).toBe(200);
  });

  test('probe requests are not access-logged', async () => {
    const { app, lines } = buildApp();
    await request(app).get('/healthz');
    expect(lines).toHaveLength(0);
  });
});
