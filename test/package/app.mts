// A user's typed ESM app (compiled by test/package.sh with tsc, module nodenext): named imports
// of ringsock/dgram and ringsock/net, their modules as namespaces of types, one UDP and one TCP
// echo over loopback. Prints {"backend", "udp", "tcp"} as one JSON line.
import { createSocket } from 'ringsock/dgram';
import type * as dgram from 'ringsock/dgram';
import { connect, createServer } from 'ringsock/net';
import type * as net from 'ringsock/net';
import netDefault from 'ringsock/net';
import { backend } from 'ringsock';

function udpEcho(): Promise<string> {
  return new Promise((resolve, reject) => {
    const server: dgram.Socket = createSocket('udp4');
    const client: dgram.Socket = createSocket('udp4');
    server.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => server.send(msg, rinfo.port, rinfo.address));
    client.on('message', (msg) => { server.close(); client.close(); resolve(String(msg)); });
    server.on('error', reject);
    server.bind(0, '127.0.0.1', () => client.send('udp ok', server.address().port, '127.0.0.1'));
  });
}

function tcpEcho(): Promise<string> {
  return new Promise((resolve, reject) => {
    const server: net.Server = createServer((c: net.Socket) => c.pipe(c));
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      const socket: net.Socket = connect(port, '127.0.0.1', () => socket.end('tcp ok'));
      let got = '';
      socket.on('data', (d: Buffer) => { got += d; });
      socket.on('close', () => { server.close(); resolve(got); });
      socket.on('error', reject);
    });
  });
}

// Bounded: a hang is a failure, not a stuck test.
const timer = setTimeout(() => { console.error('echo timed out'); process.exit(2); }, 10_000);
const [udp, tcp] = [await udpEcho(), await tcpEcho()];
clearTimeout(timer);
const sameModule: boolean = netDefault.connect === connect;
console.log(JSON.stringify({ backend: backend().name, udp, tcp, sameModule }));
