// Node 24's TCP handle methods setTypeOfService(tos) / getTypeOfService() on the native
// TcpSocket, from its int socket options: IP_TOS on an IPv4 socket, IPV6_TCLASS on an IPv6
// one (what Node's tcp_wrap sets, seen with strace). Added once on the prototype, as
// handle-close.ts does, so accepted handles (made by native code) have them too.

interface NativeSockopt {
  getsockopt(level: number, name: number): number;
  setsockopt(level: number, name: number, value: number): number;
}

const SOL_SOCKET = 1;
const SO_DOMAIN = 39;
const AF_INET6 = 10;
const IPPROTO_IP = 0;
const IP_TOS = 1;
const IPPROTO_IPV6 = 41;
const IPV6_TCLASS = 67;

/** [level, name] of the type-of-service option for this socket's family, or -errno. */
function tosOption(h: NativeSockopt): [number, number] | number {
  const domain = h.getsockopt(SOL_SOCKET, SO_DOMAIN);
  if (domain < 0) return domain;
  return domain === AF_INET6 ? [IPPROTO_IPV6, IPV6_TCLASS] : [IPPROTO_IP, IP_TOS];
}

export function installTypeOfService(proto: object): void {
  Object.defineProperties(proto, {
    setTypeOfService: {
      configurable: true,
      writable: true,
      value(this: NativeSockopt, tos: number): number {
        const opt = tosOption(this);
        return typeof opt === 'number' ? opt : this.setsockopt(opt[0], opt[1], tos);
      },
    },
    getTypeOfService: {
      configurable: true,
      writable: true,
      value(this: NativeSockopt): number {
        const opt = tosOption(this);
        return typeof opt === 'number' ? opt : this.getsockopt(opt[0], opt[1]);
      },
    },
  });
}
