'use strict';
// UDP multicast client: joins the group and prints every datagram it receives, one per line.
// Plain node:dgram code; run several to see each of them get every line the server sends.
//   MCAST_GROUP, MCAST_PORT  as for server.js
//   MCAST_IFACE  address of the interface to join on (IPv4 address, or ::%eth0 for IPv6); optional
const dgram = require('node:dgram');

const group = process.env.MCAST_GROUP || '239.255.0.1';
const port = Number(process.env.MCAST_PORT || 30001);
const iface = process.env.MCAST_IFACE;

const socket = dgram.createSocket({ type: group.includes(':') ? 'udp6' : 'udp4', reuseAddr: true });
socket.on('error', (err) => {
  console.error(`client: ${err.message}`);
  process.exitCode = 1;
  socket.close();
});
socket.on('message', (msg) => {
  console.log(msg.toString());
});

socket.bind(port, () => {
  socket.addMembership(group, iface);
  console.error(`client: listening to ${group}:${port}`);
});

process.on('SIGINT', () => socket.close());
process.on('SIGTERM', () => socket.close());
