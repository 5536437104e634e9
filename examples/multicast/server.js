'use strict';
// UDP multicast server: every line typed on this terminal (stdin) goes to the group.
// Plain node:dgram code. Run it on io_uring with `node -r ringsock/register server.js`,
// or with kernel bypass: `KERNEL_BYPASS=1 node -r ringsock/register server.js`.
//   MCAST_GROUP  group address        (default 239.255.0.1; an IPv6 group such as ff0e::1 works too)
//   MCAST_PORT   destination port     (default 30001)
//   MCAST_IFACE  address of the interface to send on (IPv4 address, or ::%eth0 for IPv6); optional
//   MCAST_TTL    multicast TTL / hops (default 1: the local network only)
const dgram = require('node:dgram');
const readline = require('node:readline');

const group = process.env.MCAST_GROUP || '239.255.0.1';
const port = Number(process.env.MCAST_PORT || 30001);
const iface = process.env.MCAST_IFACE;
const ttl = Number(process.env.MCAST_TTL || 1);

const socket = dgram.createSocket(group.includes(':') ? 'udp6' : 'udp4');
socket.on('error', (err) => {
  console.error(`server: ${err.message}`);
  process.exitCode = 1;
  socket.close();
});

socket.bind(() => {
  socket.setMulticastTTL(ttl);
  if (iface) socket.setMulticastInterface(iface);
  console.error(`server: type lines to send them to ${group}:${port}`);

  let inFlight = 0;
  let ended = false;
  const closeWhenDone = () => {
    if (ended && inFlight === 0) socket.close();
  };
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    inFlight++;
    socket.send(line, port, group, (err) => {
      inFlight--;
      if (err) console.error(`server: send failed: ${err.message}`);
      closeWhenDone();
    });
  });
  // End of input (Ctrl-D): close once the last lines have left.
  lines.on('close', () => {
    ended = true;
    closeWhenDone();
  });
});
