import { createSocket, type RemoteInfo } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';

/** A name's records, as the test DNS server answers them. */
export interface DnsRecords {
  /** IPv4 and IPv6 addresses: answered as A and AAAA records. */
  addresses: string[];
  /** Seconds. Default 1. */
  ttl?: number;
}

/** A DNS server on 127.0.0.1 (UDP) that answers A and AAAA queries for the names it is given. */
export interface TestDnsServer {
  /** `127.0.0.1:<port>`, for a target's authority: `dns://127.0.0.1:<port>/name:port`. */
  address: string;
  /** Sets (or, with undefined, removes) a name's records; later queries see the change. */
  set(name: string, records: DnsRecords | undefined): void;
  /** Queries answered, by name. */
  queries: Map<string, number>;
  /**
   * From now on, leave these queries unanswered, as a black hole: `all`, or
   * only `AAAA` (some resolvers and middleboxes drop those). undefined: answer all.
   */
  drop(queries: 'all' | 'AAAA' | undefined): void;
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;

/** The question of a query: its name (lowercase, no trailing dot), type, and where it ends. */
function readQuestion(query: Buffer): { name: string; type: number; end: number } | undefined {
  let offset = 12;
  const labels: string[] = [];
  while (offset < query.length) {
    const length = query[offset];
    if (length === 0) break;
    labels.push(query.toString('ascii', offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  if (offset + 5 > query.length) return undefined;
  return {
    name: labels.join('.').toLowerCase(),
    type: query.readUInt16BE(offset + 1),
    end: offset + 5,
  };
}

function addressBytes(address: string): Buffer {
  if (isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  // Expand "::" and write eight 16-bit groups.
  const [head, tail = ''] = address.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const fill = 8 - groups(head).length - groups(tail).length;
  const all = [
    ...groups(head),
    ...Array<string>(address.includes('::') ? fill : 0).fill('0'),
    ...groups(tail),
  ];
  const bytes = Buffer.alloc(16);
  all.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}

/** The answer to a query: its records of the asked type, NXDOMAIN for a name it does not know. */
function answer(query: Buffer, records: Map<string, DnsRecords>): Buffer | undefined {
  const question = readQuestion(query);
  if (question === undefined) return undefined;
  const known = records.get(question.name);
  const matching = (known?.addresses ?? []).filter((address) =>
    question.type === TYPE_A ? isIPv4(address) : question.type === TYPE_AAAA && isIPv6(address),
  );
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // the query's id
  const recursionDesired = query[2] & 0x01;
  header[2] = 0x84 | recursionDesired; // QR, AA, RD as asked
  header[3] = 0x80 | (known === undefined ? 3 : 0); // RA; NXDOMAIN for an unknown name
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(matching.length, 6);
  const answers = matching.map((address) => {
    const rdata = addressBytes(address);
    const record = Buffer.alloc(12);
    record.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    record.writeUInt16BE(question.type, 2);
    record.writeUInt16BE(1, 4); // class IN
    record.writeUInt32BE(known!.ttl ?? 1, 6);
    record.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([record, rdata]);
  });
  return Buffer.concat([header, query.subarray(12, question.end), ...answers]);
}

export async function startTestDnsServer(): Promise<TestDnsServer> {
  const records = new Map<string, DnsRecords>();
  const queries = new Map<string, number>();
  let dropped: 'all' | 'AAAA' | undefined;
  const socket = createSocket('udp4');
  socket.on('message', (query: Buffer, from: RemoteInfo) => {
    const question = readQuestion(query);
    const name = question?.name;
    if (name !== undefined) queries.set(name, (queries.get(name) ?? 0) + 1);
    if (dropped === 'all' || (dropped === 'AAAA' && question?.type === TYPE_AAAA)) return;
    const reply = answer(query, records);
    if (reply !== undefined) socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    queries,
    drop: (which) => {
      dropped = which;
    },
    set: (name, value) => {
      const key = name.toLowerCase().replace(/\.$/, '');
      if (value === undefined) records.delete(key);
      else records.set(key, value);
    },
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
