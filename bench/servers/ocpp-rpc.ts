// Baseline peer library: an ocpp-rpc server in strict mode (every call and answer validated
// against its bundled OCPP 1.6 schemas), answering without storage.
import rpc from 'ocpp-rpc';
import { announce, baselineAnswer, requestedPort } from './answers.js';

const server = new rpc.RPCServer({ protocols: ['ocpp1.6'], strictMode: true });
server.auth((accept) => accept({}));
server.on('client', (client) => {
  client.handle(({ method }: { method: string }) => baselineAnswer(method));
});
const http = await server.listen(requestedPort(), '127.0.0.1');
const address = http.address();
announce(typeof address === 'object' && address ? address.port : 0);
process.on('SIGTERM', () => void server.close({ awaitPending: false }).then(() => process.exit(0)));
