import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, credentials } from '@grpc/grpc-js';
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { freePort } from '../common/free-port.js';

/**
 * The reference for bench/rawkv-cluster: a 3-member etcd (Debian's etcd-server, default
 * settings) on loopback, and a client for its KV service over @grpc/grpc-js. The two
 * messages used are encoded by hand (field numbers from etcd's rpc.proto: PutRequest
 * key=1 value=2; RangeRequest key=1; RangeResponse count=4), so the benchmark needs no
 * etcd .proto files.
 */
export interface EtcdCluster {
  readonly clientUrls: readonly string[];
  readonly pids: readonly number[];
  stop(): Promise<void>;
}

export function etcdInstalled(): boolean {
  return spawnSync('etcd', ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function startEtcdCluster(dataDir: string): Promise<EtcdCluster> {
  const names = ['etcd1', 'etcd2', 'etcd3'];
  const peerPorts = await Promise.all(names.map(() => freePort()));
  const clientPorts = await Promise.all(names.map(() => freePort()));
  const initialCluster = names.map((name, index) => `${name}=http://127.0.0.1:${peerPorts[index]}`).join(',');
  const children: ChildProcess[] = names.map((name, index) =>
    spawn(
      'etcd',
      [
        '--name', name,
        '--data-dir', join(dataDir, name),
        '--listen-peer-urls', `http://127.0.0.1:${peerPorts[index]}`,
        '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPorts[index]}`,
        '--listen-client-urls', `http://127.0.0.1:${clientPorts[index]}`,
        '--advertise-client-urls', `http://127.0.0.1:${clientPorts[index]}`,
        '--initial-cluster', initialCluster,
        '--initial-cluster-state', 'new',
        '--initial-cluster-token', 'tidedb-bench',
        '--log-level', 'error',
      ],
      { stdio: ['ignore', 'ignore', 'ignore'] },
    ),
  );
  const clientUrls = clientPorts.map((port) => `127.0.0.1:${port}`);
  const cluster: EtcdCluster = {
    clientUrls,
    pids: children.map((child) => child.pid ?? 0),
    stop: async () => {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
            }),
        ),
      );
    },
  };
  const probe = new EtcdKvClient(clientUrls[0]!);
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      try {
        await probe.put(Buffer.from('probe'), Buffer.from('1'));
        return cluster;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`etcd did not become ready: ${String(error)}`);
        await sleep(200);
      }
    }
  } catch (error) {
    await cluster.stop();
    throw error;
  } finally {
    probe.close();
  }
}

const identity = (bytes: Buffer): Buffer => bytes;

export class EtcdKvClient {
  private readonly client: Client;

  constructor(address: string) {
    this.client = new Client(address, credentials.createInsecure());
  }

  put(key: Uint8Array, value: Uint8Array): Promise<void> {
    const request = new BinaryWriter().tag(1, WireType.LengthDelimited).bytes(key).tag(2, WireType.LengthDelimited).bytes(value).finish();
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest('/etcdserverpb.KV/Put', identity, identity, Buffer.from(request), (error) => (error === null ? resolve() : reject(error)));
    });
  }

  /** A linearizable (etcd's default) get; returns how many keys matched. */
  get(key: Uint8Array): Promise<number> {
    const request = new BinaryWriter().tag(1, WireType.LengthDelimited).bytes(key).finish();
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest('/etcdserverpb.KV/Range', identity, identity, Buffer.from(request), (error, response) => {
        if (error !== null || response === undefined) return reject(error ?? new Error('no response'));
        const reader = new BinaryReader(response);
        let count = 0;
        while (reader.pos < reader.len) {
          const [fieldNo, wireType] = reader.tag();
          if (fieldNo === 4 && wireType === WireType.Varint) count = Number(reader.int64());
          else reader.skip(wireType, fieldNo);
        }
        resolve(count);
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
