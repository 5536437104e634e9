'use strict';
// A BackendImpl (src/backends/types.ts) built on Node's own libuv UDP handle (udp_wrap).
// It lets test/dgram.test.js run src/net/dgram.ts over the backend contract with real
// sockets on any machine, independent of the native backends: batches are gathered per
// socket until setImmediate, so onmessages really sees several datagrams per call.
// Used through contract-preload.js; never part of the package.
const { UDP, SendWrap } = process.binding('udp_wrap');

const MSG_META_INTS = 4;

class LibuvUdp {
  constructor(type) {
    this.v6 = type === 'udp6';
    this.h = new UDP();
    this.onmessages = null;
    this.onsenddone = null;
    this.onerror = null;
    this.batch = [];
    this.flushScheduled = false;
    this.done = { ids: [], results: [] };
    this.h.onmessage = (nread, _handle, buf, rinfo) => this.onMessage(nread, buf, rinfo);
  }

  get fd() { return this.h.fd; }

  onMessage(nread, buf, rinfo) {
    if (nread < 0) {
      if (this.onerror) this.onerror(nread);
      return;
    }
    this.batch.push(buf, rinfo);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush() {
    this.flushScheduled = false;
    const items = this.batch;
    this.batch = [];
    if (!this.onmessages || items.length === 0) return;
    const n = items.length / 2;
    const meta = new Int32Array(n * MSG_META_INTS);
    const addrs = [];
    const bufs = [];
    let offset = 0;
    for (let i = 0; i < n; i++) {
      const buf = items[2 * i];
      const rinfo = items[2 * i + 1];
      let ai = addrs.indexOf(rinfo.address);
      if (ai < 0) ai = addrs.push(rinfo.address) - 1;
      meta.set([offset, buf.length, rinfo.port, ai], i * MSG_META_INTS);
      bufs.push(buf);
      offset += buf.length;
    }
    this.onmessages(Buffer.concat(bufs, offset), offset, meta, meta.length, addrs.length === 1 ? addrs[0] : addrs);
  }

  open(fd) { return this.h.open(fd); }
  bind(address, port, flags) { return this.v6 ? this.h.bind6(address, port, flags) : this.h.bind(address, port, flags); }
  connect(address, port) { return this.v6 ? this.h.connect6(address, port) : this.h.connect(address, port); }
  disconnect() { return this.h.disconnect(); }

  send(chunks, address, port, reqId) {
    const req = new SendWrap();
    const list = chunks.map((c) => Buffer.from(c)); // copied: callers may reuse their buffers
    req.list = list;
    req.oncomplete = (status, sent) => this.complete(reqId, status < 0 ? status : sent);
    const hasCb = reqId !== 0;
    let err;
    if (address === null) err = this.h.send(req, list, list.length, hasCb);
    else if (this.v6) err = this.h.send6(req, list, list.length, port, address, hasCb);
    else err = this.h.send(req, list, list.length, port, address, hasCb);
    if (err >= 1) { // libuv finished synchronously with err - 1 bytes
      if (hasCb) process.nextTick(() => this.complete(reqId, err - 1));
      return 0;
    }
    return err;
  }

  complete(reqId, result) {
    if (!reqId || !this.onsenddone) return;
    this.onsenddone(Int32Array.of(reqId), Int32Array.of(result));
  }

  recvStart() { return this.h.recvStart(); }
  recvStop() { return this.h.recvStop(); }
  getsockname(out) { return this.h.getsockname(out); }
  getpeername(out) { return this.h.getpeername(out); }
  setBroadcast(on) { return this.h.setBroadcast(on ? 1 : 0); }
  setTTL(ttl) { return this.h.setTTL(ttl); }
  setMulticastTTL(ttl) { return this.h.setMulticastTTL(ttl); }
  setMulticastLoopback(on) { return this.h.setMulticastLoopback(on ? 1 : 0); }
  setMulticastInterface(iface) { return this.h.setMulticastInterface(iface); }
  addMembership(g, i) { return this.h.addMembership(g, i); }
  dropMembership(g, i) { return this.h.dropMembership(g, i); }
  addSourceSpecificMembership(s, g, i) { return this.h.addSourceSpecificMembership(s, g, i); }
  dropSourceSpecificMembership(s, g, i) { return this.h.dropSourceSpecificMembership(s, g, i); }
  bufferSize(size, recv) {
    const ctx = {};
    const r = this.h.bufferSize(size, recv, ctx);
    return r === undefined ? ctx.errno : r;
  }
  getSendQueueSize() { return this.h.getSendQueueSize(); }
  getSendQueueCount() { return this.h.getSendQueueCount(); }
  ref() { this.h.ref(); }
  unref() { this.h.unref(); }
  close() {
    this.onmessages = this.onsenddone = this.onerror = null;
    this.h.close();
  }
}

module.exports = {
  createUdp: (type) => new LibuvUdp(type),
  createTcp: () => { throw new Error('libuv-contract: TCP is not provided'); },
  stats: () => ({}),
};
