// Loopback servers that misbehave on purpose, for the wasm package suites: one refuses every
// WebSocket upgrade with a given HTTP status, one accepts the upgrade and then sends a single
// oversized binary frame. Both bind 127.0.0.1 only and stream their bytes (the oversized frame is
// never held in this process's memory: its body is written in 64 KiB slices of zeros).
import http from 'node:http';
import net from 'node:net';
import { createHash } from 'node:crypto';

const listen = (server) => new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, '127.0.0.1', () => resolve(server.address().port));
});

// Answers every upgrade (and every plain request) with `status` and `body`.
export async function refusingServer(status, body) {
  const server = http.createServer((req, res) => res.writeHead(status, { 'Content-Type': 'text/plain' }).end(body));
  let upgrades = 0;
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.on('upgrade', (req, socket) => {
    upgrades++;
    socket.on('error', () => {});
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] || 'Refused'}\r\nContent-Type: text/plain\r\n`
      + `Date: ${new Date().toUTCString()}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  const port = await listen(server);
  return {
    url: `ws://127.0.0.1:${port}/mqtt`,
    get upgrades() { return upgrades; },
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

// Accepts the upgrade (subprotocol mqtt), then sends one binary frame whose header announces
// `frameBytes` bytes and streams that many zeros while the client keeps reading.
export async function oversizedFrameServer(frameBytes) {
  const stats = { sent: 0, upgrades: 0 };
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = '';
    const onData = (d) => {
      head += d.toString('latin1');
      if (head.length > 16384) { socket.destroy(); return; }
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.on('data', () => {});  // the CONNECT and a close frame: read and ignored
      const key = /sec-websocket-key:\s*(\S+)/i.exec(head.slice(0, end));
      if (!key) { socket.destroy(); return; }
      stats.upgrades++;
      const accept = createHash('sha1').update(`${key[1]}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
        + `Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n`);
      const header = Buffer.alloc(10);
      header[0] = 0x82;  // FIN + binary
      header[1] = 127;   // 64-bit length follows
      header.writeBigUInt64BE(BigInt(frameBytes), 2);
      socket.write(header);
      const slice = Buffer.alloc(64 * 1024);
      let left = frameBytes;
      const pump = () => {
        while (left > 0 && !socket.destroyed) {
          const n = Math.min(left, slice.length);
          left -= n;
          stats.sent += n;
          if (!socket.write(n === slice.length ? slice : slice.subarray(0, n))) { socket.once('drain', pump); return; }
        }
      };
      pump();
    };
    socket.on('data', onData);
  });
  const port = await listen(server);
  return {
    url: `ws://127.0.0.1:${port}/mqtt`,
    stats,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}
