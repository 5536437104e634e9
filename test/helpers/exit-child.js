'use strict';
// Does the process end by itself? argv[2] names the scenario; test/dgram.test.js runs each
// with a timeout: the "exit" ones must end, the "stay" ones must still run when killed.
const dgram = require('../../dist/dgram.js');

const scenario = process.argv[2];
const s = dgram.createSocket('udp4');
const backend = require('../../dist/index.js').backend().name;
const say = (word) => process.stdout.write(`${word} ${backend}\n`);
switch (scenario) {
  case 'exit:close-after-message':
    s.on('message', () => s.close(() => say('closed')));
    s.bind(0, '127.0.0.1', () => s.send('ping', s.address().port, '127.0.0.1'));
    break;
  case 'exit:unref-bound':
    s.bind(0, '127.0.0.1', () => { s.unref(); say('unref'); });
    break;
  case 'exit:unref-before-bind':
    s.unref();
    s.bind(0, '127.0.0.1', () => say('bound'));
    break;
  case 'stay:bound':
    s.bind(0, '127.0.0.1', () => say('bound'));
    break;
  case 'stay:unref-then-ref':
    s.bind(0, '127.0.0.1', () => { s.unref(); s.ref(); say('ref'); });
    break;
  case 'busy-echo': {
    // RINGSOCK_BUSY_POLL=1: 2000 datagrams one at a time through an echo in this process, every
    // reply checked; then both sockets close and the process must end by itself.
    const echo = dgram.createSocket('udp4');
    echo.on('message', (msg, rinfo) => echo.send(msg, rinfo.port, rinfo.address));
    let n = 0;
    let bad = 0;
    const next = () => s.send(`busy-${n}`, echo.address().port, '127.0.0.1');
    s.on('message', (msg) => {
      if (msg.toString() !== `busy-${n}`) bad++;
      if (++n < 2000) return next();
      const st = require('../../dist/index.js').stats();
      const u = st.uring ?? st;
      s.close();
      echo.close(() => say(`echoed=${n},bad=${bad},busyPoll=${u.busyPoll},spinHits=${u.spinHits > 0}`));
    });
    echo.bind(0, '127.0.0.1', () => s.bind(0, '127.0.0.1', next));
    break;
  }
  case 'throw-in-listener': {
    // Ten datagrams that arrive together; the listener throws on the 3rd one.
    let messages = 0;
    let exceptions = 0;
    process.on('uncaughtException', () => { exceptions++; });
    s.on('message', (msg) => {
      messages++;
      if (msg.toString() === 'm2') throw new Error('listener failure');
      if (messages === 10) s.close(() => say(`messages=${messages},exceptions=${exceptions}`));
    });
    s.bind(0, '127.0.0.1', () => {
      for (let i = 0; i < 10; i++) s.send(`m${i}`, s.address().port, '127.0.0.1');
    });
    break;
  }
  default:
    throw new Error(`unknown scenario ${scenario}`);
}
