import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has working defaults: loopback, port 3000, ./data, embedded database', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 3000, databaseUrl: undefined });
    expect(config.dataDir).toMatch(/\/data$/);
  });

  it('reports every bad value, one line each, naming the variable', () => {
    try {
      loadConfig({ PORT: 'eighty', DB_POOL_MAX: '0', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems;
      expect(problems).toHaveLength(4);
      expect(problems.join('\n')).toMatch(/^PORT="eighty": expected a whole number/m);
      expect(problems.join('\n')).toContain('LOG_LEVEL="loud": expected one of');
      expect(problems.join('\n')).toContain('DATABASE_URL');
    }
  });

  it('takes CONNECTOR_SECRET_KEY as 32 bytes in hex or base64, and refuses anything else without echoing it', () => {
    expect(loadConfig({}).connectorSecretKey).toBeNull();
    expect(loadConfig({ CONNECTOR_SECRET_KEY: 'ab'.repeat(32) }).connectorSecretKey).toEqual(Buffer.alloc(32, 0xab));
    expect(loadConfig({ CONNECTOR_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') }).connectorSecretKey).toEqual(Buffer.alloc(32, 7));
    try {
      loadConfig({ CONNECTOR_SECRET_KEY: 'too-short-secret' });
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).problems).toEqual([expect.stringContaining('CONNECTOR_SECRET_KEY: expected 32 random bytes')]);
      expect((e as ConfigError).problems.join()).not.toContain('too-short-secret');
    }
  });

  it('takes DATABASE_URL and HOST from the environment', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@db:5432/ordo', HOST: '0.0.0.0', PORT: '8080' });
    expect(config).toMatchObject({ databaseUrl: 'postgres://u@db:5432/ordo', host: '0.0.0.0', port: 8080 });
  });

  it('takes the notification settings; a bad SMTP_URL is reported without echoing its password', () => {
    const config = loadConfig({ SMTP_URL: 'smtp://u:secret@mail:587', PUBLIC_URL: 'https://shop.example', NOTIFY_TEAM_LANGUAGE: 'zh-CN' });
    expect(config).toMatchObject({ smtpUrl: 'smtp://u:secret@mail:587', publicUrl: 'https://shop.example', notifyTeamLanguage: 'zh-CN', notifyTeamEmail: null });
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://127.0.0.1:8080');
    try {
      loadConfig({ SMTP_URL: 'mail.example:secret' });
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).problems).toEqual(['SMTP_URL: expected smtp://user:password@host:port or smtps://…']);
    }
  });
});
