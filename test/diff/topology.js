'use strict';
// Where the differential harness runs: scripts/netns.sh TAG 12 (not the benchmark's 7, so both can
// run at once; rs12a receives, rs12b sends raw
// frames), the receiver's ports and groups. One place, read by the corpus, the receiver and run.js.
const TAG = Number(process.env.RINGSOCK_DIFF_TAG || 12);

module.exports = {
  TAG,
  A: `rs${TAG}a`,
  B: `rs${TAG}b`,
  DEV_A: `rs${TAG}a0`,
  DEV_B: `rs${TAG}b0`,
  A4: `10.99.${TAG}.1`,
  B4: `10.99.${TAG}.2`,
  BCAST4: `10.99.${TAG}.255`,
  NET4: `10.99.${TAG}.0`,
  A6: `fd99::${TAG}:1`,
  B6: `fd99::${TAG}:2`,
  // Receiver sockets (test/diff/receiver.js): name -> type, port, bind address, group.
  PORT4: 9710,    // s4: udp4 on 0.0.0.0
  PORT6: 9711,    // s6: udp6 on :: (ipv6Only)
  PORTG: 9712,    // sg: udp4 on 0.0.0.0 (reuseAddr), joined GROUP4 on A4
  PORTG6: 9713,   // sg6: udp6 on :: (ipv6Only, reuseAddr), joined GROUP6
  PORT_NONE: 9719, // nothing bound: the kernel's NoPorts
  GROUP4: '239.7.7.7',
  OTHER_GROUP4: '239.7.7.8',
  GROUP6: 'ff12::7:7',
  OTHER_GROUP6: 'ff12::7:8',
};
