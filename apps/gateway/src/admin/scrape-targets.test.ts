import { loadConfig } from '@tilemud/runtime';
import { GatewayConfigSchema } from '../config';
import { resolveSelf } from './scrape-targets';

describe('OPS_SCRAPE_TARGETS', () => {
  it('defaults to this gateway and the sequencer and projector metrics ports', () => {
    expect(loadConfig(GatewayConfigSchema, {}).OPS_SCRAPE_TARGETS).toEqual([
      { name: 'gateway', url: 'self' },
      { name: 'sequencer', url: 'http://127.0.0.1:9464/metrics' },
      { name: 'projector', url: 'http://127.0.0.1:9465/metrics' },
    ]);
  });

  it('reads name=url pairs and refuses anything else with a message naming the setting', () => {
    expect(loadConfig(GatewayConfigSchema, { OPS_SCRAPE_TARGETS: ' a=http://h:1/metrics , b=self ' }).OPS_SCRAPE_TARGETS).toEqual([
      { name: 'a', url: 'http://h:1/metrics' },
      { name: 'b', url: 'self' },
    ]);
    for (const bad of ['a', 'a=ftp://x', 'a=self,a=http://h/metrics', 'a b=self']) expect(() => loadConfig(GatewayConfigSchema, { OPS_SCRAPE_TARGETS: bad })).toThrow(/OPS_SCRAPE_TARGETS/);
  });

  it('resolves self to the listening port, over loopback when listening on every address', () => {
    expect(resolveSelf('self', { address: '0.0.0.0', port: 4100 }, 3000)).toBe('http://127.0.0.1:4100/metrics');
    expect(resolveSelf('self', { address: '::1', port: 4100 }, 3000)).toBe('http://[::1]:4100/metrics');
    expect(resolveSelf('self', null, 3000)).toBe('http://127.0.0.1:3000/metrics');
    expect(resolveSelf('http://x/metrics', null, 3000)).toBe('http://x/metrics');
  });
});
