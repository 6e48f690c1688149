import { pathToFileURL } from 'node:url';
import { RawClient } from '../kv/client/raw-client.js';

/**
 * TideDB as a key-value store: put, get, scan, compare-and-swap and delete through the
 * raw KV API. Run it against a running cluster (`npm start`, then
 * `node dist/examples/raw-kv.js 127.0.0.1:2379`).
 */
export async function rawKvExample(pdEndpoint: string, print: (line: string) => void = console.log): Promise<void> {
  const client = await RawClient.connect(pdEndpoint);
  try {
    const text = (value: Uint8Array | undefined) => (value === undefined ? '(none)' : Buffer.from(value).toString());

    await client.put(Buffer.from('user/1'), Buffer.from('ada'));
    await client.batchPut([
      { key: Buffer.from('user/2'), value: Buffer.from('grace') },
      { key: Buffer.from('user/3'), value: Buffer.from('edsger') },
    ]);
    print(`get user/1 -> ${text(await client.get(Buffer.from('user/1')))}`);

    const users = await client.scan(Buffer.from('user/'), Buffer.from('user0'));
    print(`scan user/ -> ${users.map((pair) => `${text(pair.key)}=${text(pair.value)}`).join(', ')}`);

    // Only one of two racing writers wins a compare-and-swap.
    const first = await client.compareAndSwap(Buffer.from('leader'), undefined, Buffer.from('node-a'));
    const second = await client.compareAndSwap(Buffer.from('leader'), undefined, Buffer.from('node-b'));
    print(`cas leader: node-a ${first.succeeded ? 'won' : 'lost'}, node-b ${second.succeeded ? 'won' : 'lost'} (holder ${text(second.previous)})`);

    await client.put(Buffer.from('session/42'), Buffer.from('token'), { ttlSeconds: 60 });
    print(`ttl session/42 -> ${await client.getKeyTTL(Buffer.from('session/42'))} s`);

    await client.deleteRange(Buffer.from('user/'), Buffer.from('user0'));
    print(`after deleteRange user/ -> ${(await client.scan(Buffer.from('user/'), Buffer.from('user0'))).length} keys`);
  } finally {
    client.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await rawKvExample(process.argv[2] ?? '127.0.0.1:2379');
}
