import { bindServer } from '../../../common/grpc-bind.js';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Server, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { SeededRandom } from '../../../common/random.js';
import type { Engine } from '../../../kv/engine/engine.js';
import { LevelEngine } from '../../../kv/engine/level-engine.js';
import { MemoryEngine } from '../../../kv/engine/memory-engine.js';
import * as pdRaftpb from '../../../proto/gen/pd_raftpb.js';
import { GrpcPeerTransport } from './grpc-peer-transport.js';
import { NotLeaderError, PdMember } from './pd-member.js';

const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));
const bytes = (value: string) => new TextEncoder().encode(value);

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A PD member with its own gRPC server on loopback, as in a real deployment. */
class Node {
  member: PdMember | undefined;
  server: Server | undefined;
  transport: GrpcPeerTransport | undefined;
  constructor(
    readonly id: bigint,
    readonly engine: Engine,
    public port = 0,
  ) {}

  async startServer(): Promise<void> {
    this.server = new Server();
    this.transport = undefined;
    this.port = await bindServer(this.server!, `127.0.0.1:${this.port}`);
  }

  startMember(addresses: Map<bigint, string>, random: SeededRandom): void {
    this.transport = new GrpcPeerTransport(7n, addresses);
    this.server!.addService(pdRaftpb.PDPeerService, this.transport.service() as unknown as UntypedServiceImplementation);
    this.member = new PdMember({ memberId: this.id, memberIds: [...addresses.keys()], engine: this.engine, transport: this.transport, random: () => random.nextFloat(), tickIntervalMs: 20 });
    this.transport.attach(this.member);
    this.member.start();
  }

  async stop(): Promise<void> {
    await this.member?.stop();
    this.transport?.close();
    this.server?.forceShutdown();
  }
}

describe('PD members replicate through Raft', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  test('a single member serves, and a restart from disk keeps its state', async () => {
    const path = await mkdtemp(join(tmpdir(), 'tidedb-pd-member-'));
    cleanups.push(() => rm(path, { recursive: true, force: true }));
    const random = new SeededRandom(1);
    let engine = await LevelEngine.open(path);
    let member = new PdMember({ memberId: 1n, memberIds: [1n], engine, transport: { send: () => undefined }, random: () => random.nextFloat(), tickIntervalMs: 10 });
    member.start();
    await waitFor('the single member to serve', () => (member.isServing() ? true : undefined));
    await member.storage.write([{ key: 'tso', value: bytes('window-1') }, { key: 'id', value: bytes('1000') }]);
    assert.equal(text(await member.storage.get('tso')), 'window-1');
    await member.stop();
    await engine.close();

    engine = await LevelEngine.open(path);
    member = new PdMember({ memberId: 1n, memberIds: [1n], engine, transport: { send: () => undefined }, random: () => random.nextFloat(), tickIntervalMs: 10 });
    member.start();
    assert.equal(text(await member.storage.get('tso')), 'window-1');
    await waitFor('the restarted member to serve', () => (member.isServing() ? true : undefined));
    await member.storage.write([{ key: 'tso', value: bytes('window-2') }]);
    assert.equal(text(await member.storage.get('id')), '1000');
    assert.equal(text(await member.storage.get('tso')), 'window-2');
    await member.stop();
    await engine.close();
  });

  test('three members over gRPC: one serves, followers refuse writes, a killed leader is replaced, a restarted member catches up', async () => {
    const random = new SeededRandom(2);
    const nodes = [1n, 2n, 3n].map((id) => new Node(id, new MemoryEngine()));
    for (const node of nodes) await node.startServer();
    const addresses = new Map(nodes.map((node) => [node.id, `127.0.0.1:${node.port}`]));
    for (const node of nodes) node.startMember(addresses, random);
    cleanups.push(async () => {
      for (const node of nodes) await node.stop();
    });
    const serving = () => nodes.find((node) => node.member?.isServing() === true);
    const leader = await waitFor('a serving leader', serving);
    await leader.member!.storage.write([{ key: 'stores/1', value: bytes('store one') }]);
    for (const node of nodes) await waitFor(`member ${node.id} to apply`, () => (node.engine.getSync('default', bytes('stores/1')) !== undefined ? true : undefined));

    const follower = nodes.find((node) => node !== leader)!;
    await assert.rejects(follower.member!.storage.write([{ key: 'x', value: bytes('y') }]), (error: unknown) => error instanceof NotLeaderError && error.leaderId === leader.id);

    // Kill the leader: the others elect a new one within a few election timeouts.
    await leader.stop();
    const successor = await waitFor('a new serving leader', () => nodes.find((node) => node !== leader && node.member?.isServing() === true));
    await successor.member!.storage.write([{ key: 'stores/2', value: bytes('store two') }]);
    assert.equal(text(await successor.member!.storage.get('stores/1')), 'store one');

    // The old leader restarts from its (in-memory) engine and catches up.
    await leader.startServer();
    leader.startMember(addresses, random);
    await waitFor('the restarted member to catch up', () => (leader.engine.getSync('default', bytes('stores/2')) !== undefined ? true : undefined));
    assert.equal(text(await leader.member!.storage.get('stores/2')), 'store two');
  });
});
