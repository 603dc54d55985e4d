'use strict';

const { loadConfig } = require('../src/config');

describe('configuration from the environment', () => {
  test('defaults apply when nothing is set', () => {
    const config = loadConfig({});
    expect(config.port).toBe(${{ values.port }});
    expect(config.logLevel).toBe('info');
  });

  test('PORT and LOG_LEVEL are read', () => {
    expect(loadConfig({ PORT: '8080', LOG_LEVEL: 'debug' })).toMatchObject({ port: 8080, logLevel: 'debug' });
  });

  test('a non-numeric PORT is refused naming the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT must be an integer/);
  });

  test('an out-of-range PORT is refused', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT must be an integer between 0 and 65535/);
  });

  test('an unknown LOG_LEVEL is refused naming the variable', () => {
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL must be one of/);
  });
});
