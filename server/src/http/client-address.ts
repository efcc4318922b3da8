/**
 * The address a request comes from, as the per-IP limits count it. Behind a reverse proxy
 * every connection comes from the proxy, so a limit on the connection's address would either
 * lump all clients together or (raised to fit them) limit nobody. The proxy names the client
 * in X-Forwarded-For; a client can write that header too, so it is believed only on a
 * connection from a configured proxy address (TRUSTED_PROXY), and only its last entry — the
 * one our proxy appended (nginx `$proxy_add_x_forwarded_for`); entries before it are the
 * client's own claims.
 */
import { BlockList, isIP } from 'node:net';

/** The counted address of a connection from `remote` carrying `forwardedFor`. */
export type ClientAddressOf = (remote: string | undefined, forwardedFor: string | readonly string[] | undefined) => string;

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is `10.0.0.1`. */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function blockList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

/** The resolver for a deployment whose proxy has one of the `trusted` addresses or blocks (config.trustedProxies). */
export function clientAddressResolver(trusted: readonly string[]): ClientAddressOf {
  const proxies = blockList(trusted);
  const isProxy = (address: string): boolean => {
    const family = isIP(address);
    return family !== 0 && proxies.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
  return (remote, forwardedFor) => {
    const peer = plainAddress(remote ?? 'unknown');
    if (trusted.length === 0 || !isProxy(peer) || forwardedFor === undefined) return peer;
    const entries = (typeof forwardedFor === 'string' ? forwardedFor : forwardedFor.join(',')).split(',');
    const last = plainAddress((entries.at(-1) ?? '').trim());
    // A proxy that sent no usable address is counted as itself rather than trusted blindly.
    return isIP(last) === 0 ? peer : last;
  };
}
