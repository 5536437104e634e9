// Asks each PM2 process (pm_ids on the command line) for its ringsock.stats() through PM2's
// programmatic API (sendDataToProcessId; cluster-stats-preload.js replies on PM2's bus) and
// prints the replies as one JSON array. PM2_HOME comes from the environment. Bounded: 10 s.
'use strict';
const pm2 = require('pm2');

const ids = process.argv.slice(2).map(Number);
const fail = (msg) => { console.error(msg); process.exit(1); };
setTimeout(() => fail(`no stats from every PM2 process within 10 s (${ids})`), 10000).unref();

pm2.connect((err) => {
  if (err) fail(err.message);
  pm2.launchBus((err2, bus) => {
    if (err2) fail(err2.message);
    const replies = new Map();
    bus.on('process:msg', (packet) => {
      replies.set(packet.process.pm_id, packet.data);
      if (replies.size < ids.length) return;
      process.stdout.write(JSON.stringify([...replies.values()]));
      pm2.disconnect();
      bus.close?.();
      process.exit(0);
    });
    for (const id of ids) {
      pm2.sendDataToProcessId(id, { type: 'process:msg', topic: 'ringsock:stats', data: {} }, (e) => {
        if (e) fail(e.message);
      });
    }
  });
});
