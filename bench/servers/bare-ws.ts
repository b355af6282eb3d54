// Baseline "ceiling": a bare ws server that answers each CALL with a fixed valid answer, without
// validation or storage. What the WebSocket layer and JSON alone cost on this machine.
import { WebSocketServer } from 'ws';
import { announce, baselineAnswer, requestedPort } from './answers.js';

const server = new WebSocketServer({ host: '127.0.0.1', port: requestedPort(), perMessageDeflate: false, handleProtocols: () => 'ocpp1.6' });
server.on('connection', (socket) => {
  socket.on('message', (data) => {
    let frame: unknown;
    try {
      frame = JSON.parse(data.toString());
    } catch {
      return;
    }
    if (!Array.isArray(frame) || frame[0] !== 2) return;
    socket.send(JSON.stringify([3, frame[1], baselineAnswer(String(frame[2]))]));
  });
});
server.on('listening', () => {
  const address = server.address();
  announce(typeof address === 'object' && address ? address.port : 0);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
