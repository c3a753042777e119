import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { isIP, type BlockList } from 'node:net';

function contains(list: BlockList, address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The key a client is rate-limited under: its IPv4 address, or its IPv6 /64.
 * One subscriber holds a whole /64 (RFC 6177 §2 assigns at least that much),
 * so counting single IPv6 addresses would let one client rotate past a limit.
 */
export function rateLimitKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/**
 * The client's address, for rate limits. `X-Forwarded-For` is believed only
 * when the peer is a trusted proxy, and then only up to the first address (read
 * from the right) that is not itself a trusted proxy: a client can prepend
 * anything it likes to the header, but cannot forge what our proxies appended.
 */
export function clientIp(c: Context, trusted: BlockList): string {
  let peer = 'unknown';
  try {
    peer = getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // In-process requests (tests) have no socket.
  }
  if (peer.startsWith('::ffff:')) peer = peer.slice(7);
  if (!contains(trusted, peer)) return peer;
  const forwarded = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  for (let i = forwarded.length - 1; i >= 0; i--) {
    const hop = forwarded[i]!;
    if (!isIP(hop)) return peer;
    if (!contains(trusted, hop)) return hop;
  }
  return forwarded[0] ?? peer;
}
