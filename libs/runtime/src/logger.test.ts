import { Writable } from 'node:stream';
import { createLogger, scrubSecrets } from './logger';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: createLogger('test', 'trace', stream), text: () => lines.join('') };
}

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhYmMiLCJuYW1lIjoiYWRhIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

describe('log redaction', () => {
  it('redacts secret fields at the top level and nested', () => {
    const { logger, text } = capture();
    logger.info({ password: 'hunter2-hunter2', body: { password: 'p4ssw0rd-nested', username: 'ada' }, req: { headers: { authorization: `Bearer ${JWT}` } } }, 'login');
    logger.info({ ticket: 'tkt-abcdefghijklmnop', deep: { a: { resumeToken: 'resume-xyz-123456' } }, accessToken: JWT }, 'tokens');
    const out = text();
    for (const secret of ['hunter2-hunter2', 'p4ssw0rd-nested', JWT, 'tkt-abcdefghijklmnop', 'resume-xyz-123456']) expect(out).not.toContain(secret);
    expect(out).toContain('ada');
    expect(out).toContain('[redacted]');
  });

  it('scrubs tokens and tickets out of free text, URLs included', () => {
    const { logger, text } = capture();
    logger.warn({ url: '/ws?ticket=AbCdEfGhIjKlMnOpQrSt&x=1', err: `upstream said Bearer ${JWT}` }, `upgrade /ws?ticket=ZyXwVuTsRqPoNmLk failed for ${JWT}`);
    const out = text();
    for (const secret of ['AbCdEfGhIjKlMnOpQrSt', 'ZyXwVuTsRqPoNmLk', JWT]) expect(out).not.toContain(secret);
    expect(out).toContain('/ws?ticket=[redacted]&x=1');
  });

  it('leaves ordinary text alone', () => {
    expect(scrubSecrets('player 42 moved north')).toBe('player 42 moved north');
  });
});
