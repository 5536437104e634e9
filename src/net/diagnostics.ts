// The diagnostics channels Node's net publishes for its own sockets, published the same for
// ringsock's (names, payloads, order as in the running Node's lib/net.js): 'net.client.socket'
// at connect, 'net.server.socket' after 'connection', and the 'net.server.listen' tracing
// channel's error / asyncEnd from the listen step ringsock replaces (Node's own listen()
// publishes asyncStart). dgram's 'udp.socket' is in dgram.ts, where Node has it too. http and
// http2 publish theirs from their own code, which runs unchanged over ringsock sockets.
import dc = require('node:diagnostics_channel');
import nodeNet = require('node:net');

const clientSocket = dc.channel('net.client.socket');
const serverSocket = dc.channel('net.server.socket');
const serverListen = dc.tracingChannel('net.server.listen');

/**
 * Where Node publishes 'net.client.socket': in Socket.prototype.connect (Node >= 22, every
 * connect) or only in net.connect()/createConnection() (Node 20). Read from Node's own connect.
 */
let inSocketConnect: boolean | undefined;
function publishesInSocketConnect(): boolean {
  inSocketConnect ??= Function.prototype.toString.call(nodeNet.Socket.prototype.connect).includes('netClientSocketChannel');
  return inSocketConnect;
}

/** Called from Socket.prototype.connect (true) and from net.connect() (false); publishes once, where Node does. */
export function publishClientSocket(socket: object, fromSocketConnect: boolean): void {
  if (clientSocket.hasSubscribers && publishesInSocketConnect() === fromSocketConnect) clientSocket.publish({ socket });
}

export function publishServerSocket(socket: object): void {
  if (serverSocket.hasSubscribers) serverSocket.publish({ socket });
}

export function publishListenError(server: object, error: Error): void {
  if (serverListen.hasSubscribers) serverListen.error.publish({ server, error });
}

export function publishListenEnd(server: object): void {
  if (serverListen.hasSubscribers) serverListen.asyncEnd.publish({ server });
}
