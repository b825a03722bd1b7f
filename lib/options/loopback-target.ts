/** Loopback targets (and unix sockets) carry plaintext safely; anything else should use TLS. */
export function isLoopbackTarget(target: string): boolean {
  if (target.startsWith('unix:')) return true;
  const addresses = target.replace(/^(dns|ipv4|ipv6):(\/\/[^/]*\/)?/, '').split(',');
  return addresses.every((address) => {
    const host = hostOf(address);
    return host === 'localhost' || host.startsWith('127.') || host === '::1';
  });
}

function hostOf(address: string): string {
  if (address.startsWith('[')) return address.slice(1, address.indexOf(']'));
  // `host:port` has one colon; a bare IPv6 address (ipv6: targets) has several.
  const colons = address.split(':').length - 1;
  return colons === 1 ? address.slice(0, address.indexOf(':')) : address;
}
