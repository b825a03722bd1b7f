import { lookup, Resolver } from 'node:dns/promises';
import type { DnsTarget } from '../options/dns-target.js';

/** What one resolution of a DNS target found. */
export interface DnsResolution {
  /** `address:port` for every record, sorted, IPv6 in brackets. */
  addresses: string[];
  /** The shortest TTL of the records, in ms; undefined when the resolver gives none (the system's). */
  ttlMs: number | undefined;
}

/**
 * Resolves a target's name to its current addresses. With a DNS server in
 * the target's authority, that server is asked directly (A and AAAA
 * records, with their TTLs), as gRPC's naming doc says; grpc-js itself
 * honours the authority only under GRPC_NODE_USE_ALTERNATIVE_RESOLVER.
 * Without one, the system's resolver answers (`/etc/hosts` included, no
 * TTLs). Rejects as `node:dns` does (ENOTFOUND, ETIMEOUT, ...) when the name
 * does not resolve, or resolves to nothing.
 */
export async function resolveDnsTarget(
  target: DnsTarget,
  timeoutMs: number,
  /** Aborting it ends a query to the target's DNS server at once (ECANCELLED). */
  signal?: AbortSignal,
): Promise<DnsResolution> {
  const found =
    target.server === undefined
      ? await systemLookup(target.host)
      : await askServer(target, timeoutMs, signal);
  if (found.length === 0)
    throw Object.assign(new Error(`no addresses for ${target.host}`), { code: 'ENODATA' });
  const addresses = [
    ...new Set(found.map(({ address }) => (address.includes(':') ? `[${address}]` : address))),
  ]
    .sort()
    .map((address) => `${address}:${target.port}`);
  const ttls = found.flatMap(({ ttl }) => (ttl === undefined ? [] : [ttl * 1000]));
  return { addresses, ttlMs: ttls.length === 0 ? undefined : Math.min(...ttls) };
}

interface Found {
  address: string;
  ttl?: number;
}

async function systemLookup(host: string): Promise<Found[]> {
  return (await lookup(host, { all: true })).map(({ address }) => ({ address }));
}

/**
 * Once one family has answered, how long the other may still take. Both
 * queries leave together, so a server answers both within a round trip;
 * one that never answers AAAA (some resolvers and middleboxes drop them)
 * must not cost the A records found.
 */
const OTHER_FAMILY_GRACE_MS = 500;

async function askServer(
  target: DnsTarget,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Found[]> {
  // One try, bounded: the refresh schedule is the retry.
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  resolver.setServers([target.server!]);
  // Cancelling rejects the queries still pending with ECANCELLED and frees their socket.
  const cancel = (): void => resolver.cancel();
  signal?.addEventListener('abort', cancel, { once: true });
  let grace: NodeJS.Timeout | undefined;
  const answered = (): void => {
    grace ??= setTimeout(cancel, OTHER_FAMILY_GRACE_MS);
  };
  const queries = [
    resolver.resolve4(target.host, { ttl: true }),
    resolver.resolve6(target.host, { ttl: true }),
  ] as const;
  for (const query of queries) query.then(answered, () => undefined);
  const [v4, v6] = await Promise.allSettled(queries).finally(() => {
    clearTimeout(grace);
    signal?.removeEventListener('abort', cancel);
  });
  if (v4.status === 'rejected' && v6.status === 'rejected') throw v4.reason;
  return [
    ...(v4.status === 'fulfilled' ? v4.value : []),
    ...(v6.status === 'fulfilled' ? v6.value : []),
  ];
}
