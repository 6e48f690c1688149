import { pathToFileURL } from 'node:url';
import { WriteConflictError } from '../kv/client/errors.js';
import { TxnClient } from '../kv/client/txn-client.js';

/**
 * Transactions: move money between two accounts atomically, retrying when another
 * transaction wrote the same accounts first. Run it against a running cluster
 * (`npm start`, then `node dist/examples/txn-kv.js 127.0.0.1:2379`).
 */
export async function txnKvExample(pdEndpoint: string, print: (line: string) => void = console.log): Promise<void> {
  const client = await TxnClient.connect(pdEndpoint);
  try {
    const key = (name: string) => Buffer.from(`account/${name}`);
    const balance = (value: Uint8Array | undefined) => Number(Buffer.from(value ?? Buffer.from('0')).toString());

    const open = await client.begin();
    open.set(key('alice'), Buffer.from('100'));
    open.set(key('bob'), Buffer.from('50'));
    await open.commit();

    const transfer = async (from: string, to: string, amount: number) => {
      for (;;) {
        const txn = await client.begin();
        const fromBalance = balance(await txn.get(key(from)));
        const toBalance = balance(await txn.get(key(to)));
        txn.set(key(from), Buffer.from(String(fromBalance - amount)));
        txn.set(key(to), Buffer.from(String(toBalance + amount)));
        try {
          return await txn.commit();
        } catch (error) {
          // Someone else changed one of the accounts since this transaction began: try again.
          if (!(error instanceof WriteConflictError)) throw error;
        }
      }
    };
    await Promise.all([transfer('alice', 'bob', 30), transfer('bob', 'alice', 10)]);

    const snapshot = await client.snapshot();
    const accounts = await snapshot.scan(Buffer.from('account/'), Buffer.from('account0'));
    print(accounts.map((pair) => `${Buffer.from(pair.key).toString().slice('account/'.length)}=${Buffer.from(pair.value).toString()}`).join(', '));
    print(`total ${accounts.reduce((sum, pair) => sum + balance(pair.value), 0)}`);
  } finally {
    client.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await txnKvExample(process.argv[2] ?? '127.0.0.1:2379');
}
