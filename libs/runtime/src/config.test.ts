import { BaseConfigSchema, loadConfig, urlProblem } from './config';
import { streamReplicas } from './nats/streams';

describe('URL settings', () => {
  it('defaults are valid', () => {
    const c = loadConfig(BaseConfigSchema, {});
    expect(c.DATABASE_URL).toMatch(/^postgres:\/\//);
    expect(c.REDIS_URL).toMatch(/^redis:\/\//);
    expect(c.NATS_URL).toMatch(/^nats:\/\//);
  });

  it.each([
    ['DATABASE_URL', 'notaurl'],
    ['DATABASE_URL', 'redis://127.0.0.1:6379'],
    ['DATABASE_URL', ''],
    ['DATABASE_URL', 'postgres://'],
    ['REDIS_URL', 'notaurl'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['NATS_URL', 'notaurl'],
    ['NATS_URL', 'nats://127.0.0.1:4222,notaurl'],
    ['NATS_URL', 'nats://127.0.0.1:4222,'],
    ['NATS_URL', 'http://127.0.0.1:4222'],
    ['NATS_URL', '127.0.0.1:99999'],
  ])('%s=%j stops the start with a message naming the variable', (name, value) => {
    expect(() => loadConfig(BaseConfigSchema, { [name]: value })).toThrow(new RegExp(`^\\s*${name}: `, 'm'));
  });

  it('names the bad element of a NATS server list', () => {
    expect(() => loadConfig(BaseConfigSchema, { NATS_URL: 'nats://a:4222,b c' })).toThrow(/NATS_URL: element 2 "b c" is not a URL/);
  });

  it.each([
    ['DATABASE_URL', 'postgresql://user:pw@db.example:5432/tilemud?sslmode=require'],
    ['REDIS_URL', 'rediss://:secret@cache.example:6380/2'],
    ['NATS_URL', 'nats://n1:4222,nats://n2:4222, tls://n3:4222'],
    ['NATS_URL', '127.0.0.1:4222'],
  ])('%s=%j is accepted', (name, value) => {
    expect(loadConfig(BaseConfigSchema, { [name]: value })[name as 'NATS_URL']).toBe(value);
  });

  it('urlProblem says what is wrong', () => {
    expect(urlProblem('notaurl', ['postgres'])).toMatch(/not a URL \(expected postgres:\/\/host:port\)/);
    expect(urlProblem('mysql://h/db', ['postgres', 'postgresql'])).toMatch(/scheme mysql: is not one of postgres:, postgresql:/);
    expect(urlProblem('postgres://h/db', ['postgres'])).toBeUndefined();
  });
});

describe('NATS_STREAM_REPLICAS', () => {
  it('is 1 unless set, and takes 1..5', () => {
    expect(loadConfig(BaseConfigSchema, {}).NATS_STREAM_REPLICAS).toBe(1);
    expect(loadConfig(BaseConfigSchema, { NATS_STREAM_REPLICAS: '3' }).NATS_STREAM_REPLICAS).toBe(3);
  });

  it.each(['0', '6', '2.5', 'three', ''])('refuses %j at start', (v) => {
    expect(() => loadConfig(BaseConfigSchema, { NATS_STREAM_REPLICAS: v })).toThrow(/NATS_STREAM_REPLICAS/);
  });

  it('is what the streams are made with', () => {
    expect(streamReplicas({ NATS_STREAM_REPLICAS: '3' })).toBe(3);
    expect(streamReplicas({})).toBe(1);
  });
});
