// A tiny in-memory stand-in for the gateway, speaking just enough of the wire
// contract (/work/shared/spec/protocol.md) to exercise scripts/load.mjs end to
// end: guest auth, bootstrap, WebSocket hello/handshake/full snapshot, moves
// and chat with acks and broadcast deltas. Not a reference implementation.
//
//   node scripts/load/mock-server.mjs [port]     (default 3999, loopback only)

import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { WebSocketServer } from 'ws';

const DELTAS = { north: [0, -1], south: [0, 1], east: [1, 0], west: [-1, 0] };

/**
 * options: failGuestEvery (every n-th guest call answers 503), rejectEvery
 * (every n-th move is rejected TILE_OCCUPIED), deltaFirstEvery (every n-th
 * applied intent is broadcast before its ack), commitDelayMs, rateLimitEvery
 * (every n-th intent is refused with `event.error` RATE_LIMITED instead of an
 * ack), closeFirstAfter (the first connection is closed 4429 after that many
 * intents), frameMs (above 0: changes are gathered and go out as one frame per world every
 * frameMs, as a real gateway batches them; 0: a frame per change). commitDelayMs 0 answers an
 * intent in the same turn (the bench's `floor` job: a server that does no work but the protocol).
 */
export function createMockServer({ failGuestEvery = 0, rejectEvery = 5, deltaFirstEvery = 3, commitDelayMs = 1, rateLimitEvery = 0, closeFirstAfter = 0, frameMs = 0 } = {}) {
  const worldId = randomUUID();
  const width = 64;
  const height = 64;
  let seq = 100;
  let guests = 0;
  let applied = 0;
  let moves = 0;
  let intentsSeen = 0;
  let connections = 0;
  const tokens = new Map(); // token -> player
  const tickets = new Map(); // ticket -> player
  const characters = new Map(); // characterId -> character
  const sockets = new Set();

  // Changes gathered for the next frame (frameMs > 0), and the seq the clients were last sent.
  let gathered = [];
  let sentSeq = seq;
  let frameTimer = null;
  const sendFrame = (prevSeq, changes) => {
    // Encoded once; the same bytes go to every socket.
    const frame = Buffer.from(JSON.stringify({ type: 'event.state_delta', worldId, seq, prevSeq, full: false, changes }));
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(frame, { binary: false });
    sentSeq = seq;
  };
  let lastFlush = -Infinity;
  const flush = () => {
    frameTimer = null;
    lastFlush = performance.now();
    const changes = gathered;
    gathered = [];
    if (changes.length) sendFrame(sentSeq, changes);
  };
  // As the gateway's fan-out does: a change after a quiet interval goes at once, those arriving
  // sooner wait for the interval since the last frame to end and go out together.
  const broadcast = (changes) => {
    seq += 1;
    if (frameMs <= 0) sendFrame(seq - 1, changes);
    else {
      gathered.push(...changes);
      if (frameTimer === null) {
        const wait = lastFlush + frameMs - performance.now();
        if (wait <= 0) flush();
        else frameTimer = setTimeout(flush, wait);
      }
    }
    return seq;
  };

  const json = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const error = (res, status, code, category) => json(res, status, { error: { code, category, message: code.toLowerCase(), retryable: status >= 500 } });

  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/api/auth/guest') {
        guests += 1;
        if (failGuestEvery && guests % failGuestEvery === 0) return error(res, 503, 'CAPACITY_EXCEEDED', 'capacity');
        const player = { id: randomUUID(), username: `guest_${guests}` };
        const token = randomUUID();
        tokens.set(token, player);
        return json(res, 201, { accessToken: token, tokenType: 'Bearer', expiresIn: 3600, player });
      }
      if (req.method === 'POST' && req.url === '/api/session/bootstrap') {
        const player = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
        if (!player) return error(res, 401, 'AUTH_INVALID_TOKEN', 'auth');
        const character = {
          id: randomUUID(),
          name: player.username,
          worldId,
          x: Math.floor(Math.random() * width),
          y: Math.floor(Math.random() * height),
          facing: 'south',
          inventory: [],
        };
        player.character = character;
        const ticket = randomUUID();
        tickets.set(ticket, player);
        return json(res, 200, {
          serverVersion: '0.0.0-mock',
          protocolVersion: '1.0.0',
          player: { id: player.id, username: player.username },
          character,
          world: { id: worldId, name: 'mock', width, height, seq },
          ws: { path: '/ws', ticket, expiresIn: 90 },
        });
      }
      return error(res, 404, 'NOT_FOUND', 'not_found');
    });
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url, 'http://mock');
    const player = url.pathname === '/ws' ? tickets.get(url.searchParams.get('ticket')) : undefined;
    if (!player) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    tickets.delete(url.searchParams.get('ticket'));
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, player));
  });

  function onConnection(ws, player) {
    const character = player.character;
    const connection = ++connections;
    let ownIntents = 0;
    let helloSeen = false;
    const outcomes = new Map(); // intentSeq -> ack
    let lastIntentSeq = 0;
    ws.on('message', (data) => {
      let msg;
      try {
        msg = JSON.parse(data.toString());
      } catch {
        ws.send(JSON.stringify({ type: 'event.error', error: { code: 'INVALID_JSON', category: 'validation', message: 'bad json', retryable: false } }));
        return;
      }
      if (!helloSeen) {
        if (msg.type !== 'hello') return ws.close(4400, 'hello expected');
        helloSeen = true;
        // The snapshot is at the world's seq: what was gathered goes out first, so that the next frame starts there.
        if (frameTimer) {
          clearTimeout(frameTimer);
          flush();
        }
        ws.send(
          JSON.stringify({
            type: 'event.ack',
            ack: 'handshake',
            sessionId: randomUUID(),
            resumeToken: randomUUID(),
            protocolVersion: '1.0.0',
            heartbeatIntervalMs: 15000,
            worldId,
            resumed: false,
          }),
        );
        ws.send(
          JSON.stringify({
            type: 'event.state_delta',
            worldId,
            seq,
            prevSeq: seq,
            full: true,
            changes: [],
            snapshot: {
              world: { id: worldId, name: 'mock', width, height, seq, tiles: Array(height).fill('.'.repeat(width)), portals: [] },
              characters: [...characters.values()],
              items: [],
              chat: [],
            },
          }),
        );
        characters.set(character.id, character);
        sockets.add(ws);
        broadcast([{ op: 'character.joined', character }]);
        return;
      }
      if (msg.type !== 'intent.move' && msg.type !== 'intent.chat') return;
      const n = msg.intentSeq;
      if (n <= lastIntentSeq) {
        const original = outcomes.get(n) ?? { status: 'applied', seq };
        ws.send(JSON.stringify({ type: 'event.ack', intentSeq: n, status: 'duplicate', seq: original.seq, originalStatus: original.status }));
        return;
      }
      lastIntentSeq = n;
      intentsSeen += 1;
      ownIntents += 1;
      if (closeFirstAfter && connection === 1 && ownIntents > closeFirstAfter) {
        ws.close(4429, 'too many');
        return;
      }
      if (rateLimitEvery && intentsSeen % rateLimitEvery === 0) {
        ws.send(
          JSON.stringify({
            type: 'event.error',
            intentSeq: n,
            error: { code: 'RATE_LIMITED', category: 'rate_limited', message: 'slow down', retryable: true, retryAfterMs: 100 },
          }),
        );
        return;
      }
      const decide = () => {
        if (ws.readyState !== ws.OPEN) return;
        if (msg.type === 'intent.move') {
          moves += 1;
          const [dx, dy] = DELTAS[msg.payload?.direction] ?? [0, 0];
          const x = character.x + dx;
          const y = character.y + dy;
          if ((rejectEvery && moves % rejectEvery === 0) || x < 0 || y < 0 || x >= width || y >= height) {
            const code = x < 0 || y < 0 || x >= width || y >= height ? 'MOVE_OUT_OF_BOUNDS' : 'TILE_OCCUPIED';
            const ack = { type: 'event.ack', intentSeq: n, status: 'rejected', error: { code, category: 'domain', message: code, retryable: false } };
            outcomes.set(n, { status: 'rejected' });
            ws.send(JSON.stringify(ack));
            return;
          }
          Object.assign(character, { x, y, facing: msg.payload.direction });
        }
        applied += 1;
        const change =
          msg.type === 'intent.move'
            ? { op: 'character.moved', id: character.id, x: character.x, y: character.y, facing: character.facing }
            : { op: 'chat.message', message: { id: randomUUID(), from: { id: character.id, name: character.name }, text: String(msg.payload?.text ?? ''), at: new Date().toISOString() } };
        const deltaFirst = deltaFirstEvery && applied % deltaFirstEvery === 0;
        const eventSeq = seq + 1;
        const ack = JSON.stringify({ type: 'event.ack', intentSeq: n, status: 'applied', seq: eventSeq });
        outcomes.set(n, { status: 'applied', seq: eventSeq });
        if (deltaFirst) {
          // The ack comes late, so other clients see the delta first.
          broadcast([change]);
          setTimeout(() => ws.readyState === ws.OPEN && ws.send(ack), 20);
        } else {
          ws.send(ack);
          broadcast([change]);
        }
      };
      if (commitDelayMs > 0) setTimeout(decide, commitDelayMs);
      else decide();
    });
    ws.on('close', () => {
      if (!sockets.delete(ws)) return;
      characters.delete(character.id);
      broadcast([{ op: 'character.left', id: character.id }]);
    });
  }

  return {
    listen(port = 0) {
      return new Promise((resolve) => {
        server.listen(port, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`));
      });
    },
    close() {
      if (frameTimer) clearTimeout(frameTimer);
      for (const ws of wss.clients) ws.terminate();
      return new Promise((resolve) => server.close(() => resolve()));
    },
    stats: () => ({ guests, applied, moves, seq, connected: sockets.size }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const mock = createMockServer();
  const url = await mock.listen(Number(process.argv[2] ?? 3999));
  console.log(`mock TileMUD gateway on ${url}`);
}
