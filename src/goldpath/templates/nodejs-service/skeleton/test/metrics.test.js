'use strict';

const express = require('express');
const request = require('supertest');
const { buildApp } = require('./helpers');

function series(body, name) {
  return body.split('\n').filter((line) => line.startsWith(`${name}{`));
}

describe('metrics', () => {
  test('GET /metrics serves Prometheus text with default metrics', async () => {
    const res = await request(buildApp().app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('process_cpu_user_seconds_total');
    expect(res.text).toContain('nodejs_eventloop_lag_seconds');
  });

  test('requests are counted by method, route template and status code', async () => {
    const { app } = buildApp();
    await request(app).get('/');
    await request(app).get('/');
    const res = await request(app).get('/metrics');
    expect(series(res.text, 'http_requests_total')).toContain(
      'http_requests_total{method="GET",route="/",status_code="200"} 2',
    );
  });

  test('request durations land in a histogram with the same labels', async () => {
    const { app } = buildApp();
    await request(app).get('/healthz');
    const res = await request(app).get('/metrics');
    expect(series(res.text, 'http_request_duration_seconds_count')).toContain(
      'http_request_duration_seconds_count{method="GET",route="/healthz",status_code="200"} 1',
    );
    expect(res.text).toContain('http_request_duration_seconds_bucket{le="0.005",method="GET",route="/healthz"');
  });

  test('unknown paths share one route label so cardinality stays bounded', async () => {
    const { app } = buildApp();
    await request(app).get('/a');
    await request(app).get('/b/c');
    await request(app).get('/d?e=f');
    const res = await request(app).get('/metrics');
    expect(series(res.text, 'http_requests_total')).toContain(
      'http_requests_total{method="GET",route="unmatched",status_code="404"} 3',
    );
    expect(res.text).not.toContain('route="/a"');
  });

  test('parameterised routes are labelled by their template, not the path', async () => {
    const router = express.Router();
    router.get('/items/:id', (req, res) => res.json({ id: req.params.id }));
    const { app } = buildApp({ router });
    await request(app).get('/items/1');
    await request(app).get('/items/2');
    const res = await request(app).get('/metrics');
    expect(series(res.text, 'http_requests_total')).toContain(
      'http_requests_total{method="GET",route="/items/:id",status_code="200"} 2',
    );
  });
});
