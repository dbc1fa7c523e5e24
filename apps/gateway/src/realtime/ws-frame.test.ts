import { once } from 'node:events';
import { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { sendPrebuilt, textFrame } from './ws-frame';

describe('prebuilt WebSocket frames', () => {
  it.each([5, 125, 126, 65_535, 65_536, 200_000])('a real ws client reads a %i-byte prebuilt frame as that text', async (size) => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(server, 'listening');
    const text = 'é'.repeat(Math.floor(size / 2)) + (size % 2 ? 'x' : '');
    const payload = Buffer.from(text);
    server.on('connection', (ws) => {
      sendPrebuilt(ws, textFrame(payload), payload);
      sendPrebuilt(ws, textFrame(Buffer.from('next')), Buffer.from('next'));
    });
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      client.on('message', (d, isBinary) => {
        expect(isBinary).toBe(false);
        got.push((d as Buffer).toString()); // a Buffer: ws's default binaryType is 'nodebuffer'
        if (got.length === 2) resolve();
      });
      client.on('error', reject);
    });
    expect(got).toEqual([text, 'next']);
    client.close();
    server.close();
  });
});
