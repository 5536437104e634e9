# The differential harness's sender, run in rs7b by test/diff/run.js: one AF_PACKET socket on
# the veth; each stdin line is one frame in hex, sent as is (no checksum offload, no padding),
# answered 'ok' or 'err <errno>' once send() returned (the receiving veth has run its receive
# path by then, in this thread's softirq, in nearly every case). Sends only what it is given.
import socket, sys

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
print('ready', flush=True)
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    try:
        s.send(bytes.fromhex(line))
        print('ok', flush=True)
    except OSError as e:
        print('err', e.errno, flush=True)
