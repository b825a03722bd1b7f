import { isIPv4, isIPv6 } from 'node:net';

/**
 * The gRPC name-resolution schemes a `url` may start with (gRPC's naming
 * doc; `xds:` needs `@grpc/grpc-js-xds` registered). grpc-js reads any
 * other `scheme:` as a DNS name, so `http://x` would only fail at call time.
 */
const SCHEMES = ['dns', 'ipv4', 'ipv6', 'unix', 'xds'] as const;

/** A DNS name; a trailing dot makes it fully qualified (`localhost.`), which resolvers accept. */
const HOSTNAME = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?$/;

/**
 * What is wrong with a target's shape, as a rule ("must ..."), or undefined
 * when grpc-js can resolve it. Checked at start-up so a typo fails there
 * and not on the first call. A missing port means 443, as in gRPC.
 */
export function targetProblem(target: string): string | undefined {
  if (/\s/.test(target)) return 'must not contain spaces';
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/.exec(target);
  if (scheme !== null && isKnownScheme(scheme[1])) {
    return schemeProblem(scheme[1], scheme[2]);
  }
  if (scheme !== null && scheme[2].startsWith('//')) {
    return `has an unknown scheme "${scheme[1]}:" (use host:port, or one of ${SCHEMES.map((s) => `${s}:`).join(', ')})`;
  }
  return hostPortProblem(target, 'host');
}

function isKnownScheme(name: string): name is (typeof SCHEMES)[number] {
  return (SCHEMES as readonly string[]).includes(name);
}

function schemeProblem(scheme: (typeof SCHEMES)[number], rest: string): string | undefined {
  switch (scheme) {
    case 'dns': {
      // dns:name, dns:///name or dns://dns-server[:port]/name
      const authority = /^\/\/([^/]*)\/(.*)$/.exec(rest);
      if (authority === null) return hostPortProblem(rest, 'host');
      if (authority[1] !== '') {
        const problem = hostPortProblem(authority[1], 'DNS server');
        if (problem !== undefined) return problem;
      }
      return hostPortProblem(authority[2], 'host');
    }
    case 'ipv4':
    case 'ipv6':
      return addressListProblem(scheme, rest);
    case 'unix':
      // unix:path (relative or absolute) or unix:///absolute/path
      return rest.replace(/^\/\//, '') === '' || rest === '///'
        ? 'must name a socket path after "unix:"'
        : undefined;
    case 'xds':
      return /^\/\/[^/]*\/.+$/.test(rest)
        ? undefined
        : 'must be xds:///name or xds://authority/name';
  }
}

/** `ipv4:a.b.c.d[:port],...` or `ipv6:[addr]:port,addr,...` */
function addressListProblem(scheme: 'ipv4' | 'ipv6', list: string): string | undefined {
  const isAddress = scheme === 'ipv4' ? isIPv4 : isIPv6;
  for (const entry of list.split(',')) {
    const parts = splitHostPort(entry);
    if (typeof parts === 'string') return parts;
    if (!isAddress(parts.host)) {
      return `must list ${scheme} addresses after "${scheme}:" (got "${entry}")`;
    }
    const problem = portProblem(parts.port);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address. */
function hostPortProblem(text: string, what: string): string | undefined {
  const parts = splitHostPort(text);
  if (typeof parts === 'string') return parts;
  if (!isIPv6(parts.host) && !isIPv4(parts.host) && !HOSTNAME.test(parts.host)) {
    return `must be host:port, with a ${what} of letters, digits, '.', '-' or '_' (got "${parts.host}")`;
  }
  return portProblem(parts.port);
}

/** As grpc-js splits them; a string is what is wrong. */
export function splitHostPort(text: string): { host: string; port: string | undefined } | string {
  if (text === '') return 'must name a host';
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end === -1) return `has an unclosed "[" (IPv6 addresses are written [addr]:port)`;
    const after = text.slice(end + 1);
    if (after !== '' && !after.startsWith(':')) return `must have ":port" after "]"`;
    const host = text.slice(1, end);
    if (!isIPv6(host)) return `must have an IPv6 address inside [] (got "${host}")`;
    return { host, port: after === '' ? undefined : after.slice(1) };
  }
  const colons = text.split(':').length - 1;
  // Several colons: a bare IPv6 address, which cannot carry a port.
  if (colons > 1) {
    return isIPv6(text) ? { host: text, port: undefined } : `must be host:port (got "${text}")`;
  }
  const colon = text.indexOf(':');
  return colon === -1
    ? { host: text, port: undefined }
    : { host: text.slice(0, colon), port: text.slice(colon + 1) };
}

function portProblem(port: string | undefined): string | undefined {
  if (port === undefined) return undefined;
  const value = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
  if (!(value >= 1 && value <= 65535)) {
    return `must have a port from 1 to 65535 (got "${port}")`;
  }
  return undefined;
}
