import { isIPv4, isIPv6 } from 'node:net';
import { splitHostPort } from './target-shape.js';

/** A target the pool resolves through DNS itself: the name, its port, and the DNS server to ask. */
export interface DnsTarget {
  host: string;
  port: number;
  /** The name as the target wrote it (`host` or `host:port`): the `:authority` calls carry. */
  authority: string;
  /** `host:port` of the DNS server named in the target's authority; undefined: the system's resolver. */
  server: string | undefined;
}

const DEFAULT_PORT = 443;
const DNS_PORT = 53;

/**
 * The DNS name in a target, or undefined for targets DNS has nothing to do
 * with (IP literals, `ipv4:`/`ipv6:` lists, `unix:`, `xds:`). Takes
 * `dns:name[:port]`, `dns:///name[:port]`, `dns://server[:port]/name[:port]`
 * and a plain `name[:port]`; a missing port is 443, as in gRPC. Expects a
 * target that passed `targetProblem()`.
 */
export function dnsTarget(target: string): DnsTarget | undefined {
  let rest = target;
  let server: string | undefined;
  if (target.startsWith('dns:')) {
    rest = target.slice('dns:'.length);
    const authority = /^\/\/([^/]*)\/(.*)$/.exec(rest);
    if (authority !== null) {
      rest = authority[2];
      if (authority[1] !== '') server = withPort(authority[1], DNS_PORT);
    }
  } else if (
    /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(target) ||
    /^(ipv4|ipv6|unix|xds):/.test(target)
  ) {
    return undefined;
  }
  const parts = splitHostPort(rest);
  if (typeof parts === 'string' || isIPv4(parts.host) || isIPv6(parts.host)) return undefined;
  return { host: parts.host, port: Number(parts.port ?? DEFAULT_PORT), authority: rest, server };
}

/** `host` or `host:port` as `host:port`, IPv6 hosts in brackets. */
function withPort(authority: string, defaultPort: number): string {
  const parts = splitHostPort(authority);
  if (typeof parts === 'string') return authority;
  const host = isIPv6(parts.host) ? `[${parts.host}]` : parts.host;
  return `${host}:${parts.port ?? defaultPort}`;
}
