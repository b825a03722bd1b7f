import type { ClientOptions } from '@grpc/grpc-js';
import { Logger } from '@nestjs/common';
import { BackendAddresses, type AddressChange } from '../pool/backend-addresses.js';
import { DnsDiscovery, type DnsResolver, type FollowedName } from './dns-discovery.js';
import { resolveDnsTarget } from './dns-resolution.js';
import { dnsTarget, type DnsTarget } from '../options/dns-target.js';

/** What discovery needs to know of the pool. */
export interface PoolDiscoverySettings {
  displayName: string;
  targets: readonly string[];
  maxChannels: number;
  dns: { refreshIntervalMs: number } | false;
  /** TLS: a channel to an address must still check the name's certificate. */
  secure: boolean;
}

/**
 * Where a pool's channels connect: the addresses its DNS names resolve to
 * (as `BackendAddresses`), kept current by `DnsDiscovery`. A name is
 * followed unless `pool.dns` is false or it is `localhost` (this machine
 * needs no discovery, and its IPv4 and IPv6 addresses are one backend).
 * Until a name first resolves, it stands for itself, so grpc-js resolves it
 * as it always has.
 */
export class PoolDiscovery {
  readonly addresses: BackendAddresses;
  private readonly followed = new Map<string, DnsTarget>();
  private readonly dns: DnsDiscovery | undefined;
  private readonly logger: Logger;
  private readonly refreshIntervalMs: number;

  constructor(
    private readonly settings: PoolDiscoverySettings,
    /** The addresses changed; `addresses` holds the new list. */
    private readonly onChange: (change: AddressChange) => void,
    /** Resolution failed or recovered: the pool's state may change. */
    private readonly onTrouble: () => void,
    resolveTarget: DnsResolver = resolveDnsTarget,
  ) {
    this.logger = new Logger(`GrpcPool ${settings.displayName}`);
    this.addresses = new BackendAddresses(settings.targets, settings.maxChannels);
    this.refreshIntervalMs = settings.dns === false ? 30_000 : settings.dns.refreshIntervalMs;
    const names: FollowedName[] = [];
    for (const target of settings.targets) {
      const dns = settings.dns === false ? undefined : dnsTarget(target);
      if (dns === undefined || isLocalhost(dns.host)) continue;
      this.followed.set(target, dns);
      names.push({ target, dns });
    }
    this.dns =
      names.length === 0
        ? undefined
        : new DnsDiscovery(
            names,
            this.refreshIntervalMs,
            {
              resolved: (target, addresses) => this.resolved(target, addresses),
              failed: (target, error, first) => this.failed(target, error, first),
              recovered: (target) => {
                this.logger.log(`Resolving ${target} works again`);
                this.onTrouble();
              },
            },
            resolveTarget,
          );
  }

  /** How often the subset of addresses moves on, with more addresses than channels. */
  get subsetRotationMs(): number {
    return this.refreshIntervalMs;
  }

  /** Whether the pool resolves names itself (and so may find several addresses). */
  get followsNames(): boolean {
    return this.dns !== undefined;
  }

  /** Resolves the names for the first time; settles within `waitMs` at most, found or not. */
  start(waitMs: number): Promise<void> {
    return this.dns?.start(waitMs) ?? Promise.resolve();
  }

  /** A channel failed to connect: its backend may be gone, so ask DNS again soon. */
  channelFailed(): void {
    this.dns?.resolveSoon();
  }

  /** Why the pool is degraded, when resolution has failed for a whole refresh interval. */
  trouble(): string | undefined {
    const since = this.dns?.failingSince();
    if (since === undefined || Date.now() - since < this.refreshIntervalMs) return undefined;
    return `DNS resolution has failed for ${Math.round((Date.now() - since) / 1000)} s; calls go to the addresses found last`;
  }

  /**
   * Channel arguments for a channel to `address`: one to an address a name
   * resolved to still speaks to the name. `:authority` is the name (servers
   * and proxies route by it), and TLS checks the name's certificate.
   */
  channelArguments(address: string, args: ClientOptions): ClientOptions {
    const target = this.addresses.targetFor(address);
    const dns = this.followed.get(target);
    if (dns === undefined || address === target) return args;
    const named: ClientOptions = { ...args };
    named['grpc.default_authority'] ??= dns.authority;
    if (this.settings.secure) named['grpc.ssl_target_name_override'] ??= dns.host;
    return named;
  }

  stop(): void {
    this.dns?.stop();
  }

  private resolved(target: string, found: string[]): void {
    const change = this.addresses.set(target, found);
    if (change === undefined) return;
    const parts = [`${target} resolves to ${found.length} address(es)`];
    if (change.added.length > 0) parts.push(`added ${listed(change.added)}`);
    if (change.removed.length > 0) parts.push(`removed ${listed(change.removed)}`);
    this.logger.log(parts.join('; '));
    this.onChange(change);
  }

  private failed(target: string, error: Error, firstInARow: boolean): void {
    if (firstInARow) {
      const code = (error as { code?: unknown }).code;
      const kept = this.addresses.all.filter((a) => this.addresses.targetFor(a) === target);
      this.logger.warn(
        `Resolving ${target} failed (${typeof code === 'string' ? `${code}: ` : ''}${error.message}); ` +
          `calls keep going to ${listed(kept)} until it resolves again`,
      );
    }
    this.onTrouble();
  }
}

/** Addresses for a log line: a fleet of hundreds would make one line of kilobytes. */
function listed(addresses: readonly string[]): string {
  const shown = addresses.slice(0, LOGGED_ADDRESSES).join(', ');
  const more = addresses.length - LOGGED_ADDRESSES;
  return more > 0 ? `${shown} and ${more} more` : shown;
}

const LOGGED_ADDRESSES = 8;

function isLocalhost(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}
