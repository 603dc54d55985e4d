'use strict';

const http = require('node:http');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { Writable } = require('node:stream');
const express = require('express');
const { start } = require('../src/server');
const { loadConfig } = require('../src/config');
const { createLogger } = require('../src/logger');

function silentLogger(config) {
  return createLogger(config, new Writable({ write: (chunk, encoding, callback) => callback() }));
}

function get(port, urlPath, agent) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent }, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
  });
}

describe('graceful shutdown', () => {
  test('in-flight requests finish, readiness turns false and new connections are refused', async () => {
    let release;
    const gate = new Promise((resolve) => {
      release = resolve;
    });
    let arrived;
    const slowArrived = new Promise((resolve) => {
      arrived = resolve;
    });
    const router = express.Router();
    router.get('/slow', async (req, res) => {
      arrived();
      await gate;
      res.json({ done: true });
    });
    const config = { ...loadConfig({}), port: 0 };
    const service = await start({ config, logger: silentLogger(config), router });

    const inFlight = get(service.port, '/slow');
    await slowArrived;
    const closed = service.shutdown('test');
    expect(service.state.shuttingDown).toBe(true);
    await expect(get(service.port, '/healthz')).rejects.toThrow();
    release();
    await expect(inFlight).resolves.toEqual({ status: 200, body: '{"done":true}' });
    await expect(closed).resolves.toBe(0);
    expect(service.server.listening).toBe(false);
  });

  test('idle keep-alive connections do not hold shutdown open', async () => {
    const config = { ...loadConfig({}), port: 0 };
    const service = await start({ config, logger: silentLogger(config) });
    const agent = new http.Agent({ keepAlive: true });
    await get(service.port, '/healthz', agent);
    await expect(service.shutdown('test')).resolves.toBe(0);
    agent.destroy();
  });

  test('requests still running after the timeout are cut off and shutdown completes', async () => {
    let arrived;
    const slowArrived = new Promise((resolve) => {
      arrived = resolve;
    });
    const router = express.Router();
    router.get('/stuck', () => {
      arrived();
    });
    const config = { ...loadConfig({}), port: 0, shutdownTimeoutMs: 50 };
    const service = await start({ config, logger: silentLogger(config), router });
    const stuck = get(service.port, '/stuck');
    await slowArrived;
    await expect(service.shutdown('test')).resolves.toBe(0);
    await expect(stuck).rejects.toThrow(/socket hang up/);
  });

  test('SIGTERM stops the real process with exit code 0', async () => {
    const child = spawn(process.execPath, [path.join(__dirname, '..', 'src', 'server.js')], {
      env: { ...process.env, PORT: '0', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = [];
    await new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
      child.stdout.on('data', (chunk) => {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        if (lines.some((line) => JSON.parse(line).msg === 'listening')) {
          resolve();
        }
      });
    });
    child.removeAllListeners('exit');
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.kill('SIGTERM');
    await expect(exited).resolves.toEqual({ code: 0, signal: null });
    const messages = lines.map((line) => JSON.parse(line).msg);
    expect(messages).toContain('server closed');
  }, 30000);
});
