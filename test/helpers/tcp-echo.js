// A TCP echo server on loopback and a client that has sent `bytes` and read them all back,
// on the given net module (ringsock's, whichever backend runs): for the stats tests.
const { once } = require('node:events');

async function tcpEchoRound(net, bytes = 100000) {
  const server = net.createServer((sock) => sock.pipe(sock));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = server.address().port;
  const client = net.connect(port, '127.0.0.1');
  await once(client, 'connect');
  let back = 0;
  const echoed = new Promise((r) => client.on('data', (d) => { back += d.length; if (back >= bytes) r(); }));
  client.write(Buffer.alloc(bytes, 'x'));
  await echoed;
  return { server, client, port, bytes };
}

module.exports = { tcpEchoRound };
