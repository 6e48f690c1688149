import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { Request as CoprocessorRequest, RequestType } from './gen/coprocessor.js';
import { DAGRequest, EncodeType, ExecType, Executor, ExprType, ScalarFuncSig, SelectResponse } from './gen/dagpb.js';
import { ConfChangeTransition, ConfChangeType, ConfChangeV2, EntryType, Message, MessageType } from './gen/eraftpb.js';
import { Error as RegionError } from './gen/errorpb.js';
import { CheckTxnStatusResponse, Action, Mutation, Op, PrewriteRequest, RawCASResponse, ScanResponse } from './gen/kvrpcpb.js';
import { Peer, PeerRole, Region, Store, StoreState } from './gen/metapb.js';
import { RegionHeartbeatResponse, TsoResponse } from './gen/pdpb.js';
import { RaftCmdRequest, RaftCmdResponse } from './gen/raft_cmdpb.js';
import { RaftApplyState, RaftMessage, SnapshotChunk } from './gen/raft_serverpb.js';
import { BatchCommandsRequest, BatchCommandsResponse } from './gen/tikvpb.js';
import { SeededRandom } from './seeded_random.js';

const maxUint64 = 2n ** 64n - 1n;
const maxInt64 = 2n ** 63n - 1n;
const minInt64 = -(2n ** 63n);
// A TSO timestamp of 2023-11-14 with logical 12345: well above 2^53, so a JS number
// would lose its low bits.
const physicalMs = 1_700_000_000_000n;
const timestamp = (physicalMs << 18n) | 12_345n;

interface MessageCodec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

function roundTrip<T>(codec: MessageCodec<T>, message: T): T {
  return codec.decode(codec.encode(message).finish());
}

function mustRoundTrip<T>(codec: MessageCodec<T>, message: T): T {
  const decoded = roundTrip(codec, message);
  assert.deepStrictEqual(decoded, message);
  return decoded;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

describe('wire format', () => {
  test('encodes fields with the numbers and varints the .proto files define', () => {
    const peer = Peer.create({ id: 1n, storeId: 2n, role: PeerRole.Learner });
    assert.equal(hex(Peer.encode(peer).finish()), '080110021801');
  });

  test('encodes 2^64 - 1 as a ten-byte varint and decodes it exactly', () => {
    const bytes = Peer.encode(Peer.create({ id: maxUint64 })).finish();
    assert.equal(hex(bytes), '08ffffffffffffffffff01');
    assert.equal(Peer.decode(bytes).id, maxUint64);
  });

  test('omits fields at their default value (proto3)', () => {
    assert.equal(Peer.encode(Peer.create({})).finish().length, 0);
  });

  test('skips unknown fields, so older code reads newer messages', () => {
    const writer = new BinaryWriter();
    writer.uint32((1 << 3) | 0).uint64(7n);
    writer.uint32((99 << 3) | 2).bytes(new Uint8Array([1, 2, 3]));
    writer.uint32((100 << 3) | 0).uint64(maxUint64);
    writer.uint32((2 << 3) | 0).uint64(9n);
    const peer = Peer.decode(writer.finish());
    assert.equal(peer.id, 7n);
    assert.equal(peer.storeId, 9n);
  });

  test('throws on truncated input instead of returning a partial message', () => {
    const bytes = Region.encode(
      Region.create({ id: 5n, startKey: Buffer.from('abc'), endKey: Buffer.from('abd') }),
    ).finish();
    assert.throws(() => Region.decode(bytes.subarray(0, bytes.length - 1)));
  });

  test('refuses to encode a uint64 out of range rather than truncating it', () => {
    assert.throws(() => Peer.encode(Peer.create({ id: 2n ** 64n })), /too large/);
    assert.throws(() => Peer.encode(Peer.create({ id: -1n })), /too large/);
  });
});

describe('round trips', () => {
  test('metapb: region with bytes keys, epoch and peers; store with labels', () => {
    mustRoundTrip(
      Region,
      Region.create({
        id: maxUint64,
        startKey: Buffer.from([0x74, 0x80, 0x00, 0xff]),
        endKey: Buffer.alloc(0),
        regionEpoch: { confVer: 3n, version: 2n ** 53n + 1n },
        peers: [
          { id: 10n, storeId: 1n, role: PeerRole.Voter },
          { id: 11n, storeId: 2n, role: PeerRole.DemotingVoter },
        ],
      }),
    );
    const store = mustRoundTrip(
      Store,
      Store.create({
        id: 4n,
        address: '127.0.0.1:20160',
        labels: [{ key: 'zone', value: 'z1' }],
        state: StoreState.Offline,
        startTimestamp: 1_700_000_000n,
        lastHeartbeat: 1_700_000_000_123_456_789n,
      }),
    );
    assert.equal(store.state, StoreState.Offline);
  });

  test('eraftpb: message with entries, snapshot and extreme 64-bit values', () => {
    const message = mustRoundTrip(
      Message,
      Message.create({
        msgType: MessageType.MsgAppend,
        to: 2n,
        from: 1n,
        term: maxUint64,
        logTerm: maxUint64 - 1n,
        index: timestamp,
        entries: [
          { entryType: EntryType.EntryNormal, term: 5n, index: 100n, data: Buffer.from('put k v') },
          { entryType: EntryType.EntryConfChangeV2, term: 5n, index: 101n, context: Buffer.from([0]) },
        ],
        commit: 99n,
        snapshot: {
          data: Buffer.alloc(1024, 7),
          metadata: { confState: { voters: [1n, 2n, 3n], learners: [4n], autoLeave: true }, index: 90n, term: 4n },
        },
        reject: true,
        rejectHint: 2n ** 53n,
        priority: minInt64,
      }),
    );
    assert.equal(typeof message.term, 'bigint');
    assert.equal(message.priority, minInt64);
    mustRoundTrip(
      ConfChangeV2,
      ConfChangeV2.create({
        transition: ConfChangeTransition.Explicit,
        changes: [
          { changeType: ConfChangeType.AddLearnerNode, nodeId: 4n },
          { changeType: ConfChangeType.RemoveNode, nodeId: maxUint64 },
        ],
        context: Buffer.from('ctx'),
      }),
    );
  });

  test('raft_serverpb: raft message, snapshot chunk oneof (header, then data), apply state', () => {
    const raftMessage = RaftMessage.create({
      regionId: 7n,
      fromPeer: { id: 1n, storeId: 1n },
      toPeer: { id: 2n, storeId: 2n, role: PeerRole.Learner },
      message: { msgType: MessageType.MsgSnapshot, term: 3n },
      regionEpoch: { confVer: 1n, version: 1n },
      isTombstone: false,
      startKey: Buffer.from('a'),
      endKey: Buffer.from('z'),
    });
    mustRoundTrip(RaftMessage, raftMessage);
    const header = mustRoundTrip(
      SnapshotChunk,
      SnapshotChunk.create({
        payload: { $case: 'header', value: { message: raftMessage, totalSizeBytes: 3n, checksum: 0xffffffff } },
      }),
    );
    assert.equal(header.payload?.$case, 'header');
    const data = mustRoundTrip(
      SnapshotChunk,
      SnapshotChunk.create({ payload: { $case: 'data', value: Buffer.from([1, 2, 3]) } }),
    );
    assert.ok(data.payload?.$case === 'data' && Buffer.isBuffer(data.payload.value));
    mustRoundTrip(
      RaftApplyState,
      RaftApplyState.create({ appliedIndex: 10n, truncatedState: { index: 5n, term: 2n }, commitIndex: 12n, commitTerm: 2n }),
    );
  });

  test('raft_cmdpb: data and admin commands as discriminated unions', () => {
    const request = mustRoundTrip(
      RaftCmdRequest,
      RaftCmdRequest.create({
        header: { regionId: 7n, peer: { id: 1n, storeId: 1n }, regionEpoch: { confVer: 1n, version: 2n }, term: 6n, syncLog: true },
        requests: [
          { cmd: { $case: 'put', value: { cf: 'write', key: Buffer.from('k1'), value: Buffer.from('v1') } } },
          { cmd: { $case: 'delete', value: { cf: 'lock', key: Buffer.from('k1') } } },
          { cmd: { $case: 'snap', value: {} } },
        ],
      }),
    );
    const cases = request.requests.map((item) => item.cmd?.$case);
    assert.deepStrictEqual(cases, ['put', 'delete', 'snap']);
    const first = request.requests[0]?.cmd;
    assert.ok(first?.$case === 'put');
    assert.equal(first.value.value.toString(), 'v1');

    const admin = mustRoundTrip(
      RaftCmdRequest,
      RaftCmdRequest.create({
        header: { regionId: 7n },
        adminRequest: {
          cmd: {
            $case: 'batchSplit',
            value: { requests: [{ splitKey: Buffer.from('m'), newRegionId: 8n, newPeerIds: [21n, 22n, 23n] }], rightDerive: false },
          },
        },
      }),
    );
    assert.equal(admin.adminRequest?.cmd?.$case, 'batchSplit');
    const response = mustRoundTrip(
      RaftCmdResponse,
      RaftCmdResponse.create({
        header: { error: { message: 'stale', staleCommand: {} }, currentTerm: 9n },
      }),
    );
    assert.ok(response.header?.error?.staleCommand !== undefined);
    assert.equal(response.header.error.notLeader, undefined);
  });

  test('errorpb: epoch not match carries the current regions', () => {
    const error = mustRoundTrip(
      RegionError,
      RegionError.create({
        message: 'epoch not match',
        epochNotMatch: {
          currentRegions: [
            { id: 1n, endKey: Buffer.from('m') },
            { id: 2n, startKey: Buffer.from('m') },
          ],
        },
      }),
    );
    assert.equal(error.epochNotMatch?.currentRegions.length, 2);
    assert.equal(error.notLeader, undefined);
  });

  test('kvrpcpb: prewrite with timestamps above 2^53, repeated bools and mutations', () => {
    const request = mustRoundTrip(
      PrewriteRequest,
      PrewriteRequest.create({
        context: { regionId: 3n, regionEpoch: { confVer: 1n, version: 4n }, peer: { id: 9n, storeId: 3n }, term: 2n },
        mutations: [
          { op: Op.Put, key: Buffer.from('a'), value: Buffer.from('1') },
          { op: Op.Del, key: Buffer.from('b') },
          { op: Op.CheckNotExists, key: Buffer.from('c') },
        ],
        primaryLock: Buffer.from('a'),
        startVersion: timestamp,
        lockTtl: maxUint64,
        isPessimisticLock: [true, false, true],
        forUpdateTs: timestamp + 1n,
        maxCommitTs: timestamp + 2n,
        useAsyncCommit: true,
        secondaries: [Buffer.from('b'), Buffer.from('c')],
      }),
    );
    assert.equal(request.startVersion, 445_644_800_000_012_345n);
    assert.ok(request.startVersion > BigInt(Number.MAX_SAFE_INTEGER));
    assert.deepStrictEqual(request.isPessimisticLock, [true, false, true]);

    const status = mustRoundTrip(
      CheckTxnStatusResponse,
      CheckTxnStatusResponse.create({
        lockTtl: 0n,
        commitVersion: timestamp,
        action: Action.MinCommitTsPushed,
        lockInfo: { primaryLock: Buffer.from('a'), lockVersion: timestamp, lockType: Op.Lock, minCommitTs: timestamp + 5n },
      }),
    );
    assert.equal(status.action, Action.MinCommitTsPushed);

    mustRoundTrip(
      ScanResponse,
      ScanResponse.create({
        pairs: [
          { key: Buffer.from('a'), value: Buffer.from('1') },
          { error: { locked: { key: Buffer.from('b'), lockVersion: timestamp, lockTtl: 3000n } } },
        ],
        regionError: { notLeader: { regionId: 3n, leader: { id: 10n, storeId: 4n } } },
      }),
    );
    mustRoundTrip(
      RawCASResponse,
      RawCASResponse.create({ succeed: false, previousNotExist: false, previousValue: Buffer.from('old') }),
    );
  });

  test('coprocessor carries an encoded DAG request', () => {
    const dag = DAGRequest.create({
      startTsFallback: timestamp,
      executors: [
        {
          tp: ExecType.TypeTableScan,
          executorId: 'TableFullScan_1',
          executor: {
            $case: 'tableScan',
            value: { tableId: maxInt64, columns: [{ columnId: 1n, tp: 8, pkHandle: true }, { columnId: 2n, tp: 15 }] },
          },
        },
        {
          tp: ExecType.TypeSelection,
          executor: {
            $case: 'selection',
            value: {
              conditions: [
                {
                  tp: ExprType.ScalarFunc,
                  sig: ScalarFuncSig.GtInt,
                  fieldType: { tp: 8, flen: -1, decimal: -1 },
                  children: [
                    { tp: ExprType.ColumnRef, val: Buffer.from('0000000000000000', 'hex') },
                    { tp: ExprType.Int64, val: Buffer.from('000000000000000a', 'hex') },
                  ],
                },
              ],
            },
          },
        },
        { tp: ExecType.TypeLimit, executor: { $case: 'limit', value: { limit: 10n } } },
      ],
      timeZoneOffset: -28_800n,
      outputOffsets: [0, 1],
      encodeType: EncodeType.TypeChunk,
      collectExecutionSummaries: true,
    });
    const request = mustRoundTrip(
      CoprocessorRequest,
      CoprocessorRequest.create({
        tp: RequestType.Dag,
        data: Buffer.from(DAGRequest.encode(dag).finish()),
        startTs: timestamp,
        ranges: [{ start: Buffer.from('t\x80'), end: Buffer.from('t\x81') }],
        pagingSize: 256n,
      }),
    );
    const decodedDag = DAGRequest.decode(request.data);
    assert.deepStrictEqual(decodedDag, dag);
    const scan = decodedDag.executors[0]?.executor;
    assert.ok(scan?.$case === 'tableScan');
    assert.equal(scan.value.tableId, maxInt64);
    assert.deepStrictEqual(
      decodedDag.executors.map((executor: Executor) => executor.executor?.$case),
      ['tableScan', 'selection', 'limit'],
    );
    mustRoundTrip(
      SelectResponse,
      SelectResponse.create({
        chunks: [{ rowsData: Buffer.from([1, 2, 3]) }],
        warnings: [{ code: 1292, msg: 'Truncated incorrect DOUBLE value' }],
        outputCounts: [10n, 3n, 3n],
        executionSummaries: [{ timeProcessedNs: 2n ** 60n, numProducedRows: 3n, numIterations: 1n, executorId: 'Limit_3' }],
        encodeType: EncodeType.TypeChunk,
      }),
    );
  });

  test('pdpb: TSO timestamp and heartbeat operators', () => {
    const response = mustRoundTrip(
      TsoResponse,
      TsoResponse.create({
        header: { clusterId: maxUint64 },
        count: 16,
        timestamp: { physical: physicalMs, logical: (1n << 18n) - 1n },
      }),
    );
    const value = ((response.timestamp?.physical ?? 0n) << 18n) + (response.timestamp?.logical ?? 0n);
    assert.equal(value, (physicalMs << 18n) + (1n << 18n) - 1n);
    mustRoundTrip(
      RegionHeartbeatResponse,
      RegionHeartbeatResponse.create({
        changePeer: { peer: { id: 31n, storeId: 5n, role: PeerRole.Learner }, changeType: ConfChangeType.AddLearnerNode },
        regionId: 7n,
        regionEpoch: { confVer: 2n, version: 3n },
        targetPeer: { id: 30n, storeId: 4n },
      }),
    );
  });

  test('tikvpb: batch commands with oneof requests and 64-bit request IDs', () => {
    const request = mustRoundTrip(
      BatchCommandsRequest,
      BatchCommandsRequest.create({
        requests: [
          { cmd: { $case: 'get', value: { key: Buffer.from('k'), version: timestamp } } },
          { cmd: { $case: 'rawCompareAndSwap', value: { key: Buffer.from('k'), value: Buffer.from('v'), previousNotExist: true, ttl: 60n } } },
          { cmd: { $case: 'coprocessor', value: { tp: RequestType.Dag, startTs: timestamp } } },
          { cmd: { $case: 'empty', value: { testId: 1n } } },
        ],
        requestIds: [0n, 1n, 2n ** 53n + 1n, maxUint64],
      }),
    );
    assert.deepStrictEqual(request.requestIds, [0n, 1n, 2n ** 53n + 1n, maxUint64]);
    mustRoundTrip(
      BatchCommandsResponse,
      BatchCommandsResponse.create({
        responses: [{ cmd: { $case: 'get', value: { value: Buffer.from('v'), notFound: false } } }],
        requestIds: [maxUint64],
        transportLayerLoad: 3n,
      }),
    );
  });
});

describe('property: random messages survive a round trip', () => {
  test('prewrite requests with random 64-bit values and bytes (seeded)', () => {
    const seed = 20_240_601n;
    const random = new SeededRandom(seed);
    const ops = Object.values(Op);
    for (let iteration = 0; iteration < 300; iteration++) {
      const mutationCount = random.nextInt(5);
      const mutations: Mutation[] = [];
      const pessimistic: boolean[] = [];
      for (let index = 0; index < mutationCount; index++) {
        mutations.push(
          Mutation.create({
            op: ops[random.nextInt(ops.length)] ?? Op.Put,
            key: random.nextBytes(16),
            value: random.nextBytes(64),
          }),
        );
        pessimistic.push(random.nextBoolean());
      }
      const message = PrewriteRequest.create({
        context: { regionId: random.nextInterestingUint64(), term: random.nextInterestingUint64() },
        mutations,
        primaryLock: random.nextBytes(8),
        startVersion: random.nextInterestingUint64(),
        lockTtl: random.nextInterestingUint64(),
        isPessimisticLock: pessimistic,
        txnSize: random.nextInterestingUint64(),
        forUpdateTs: random.nextInterestingUint64(),
        minCommitTs: random.nextInterestingUint64(),
        maxCommitTs: random.nextInterestingUint64(),
      });
      const decoded = roundTrip(PrewriteRequest, message);
      assert.deepStrictEqual(decoded, message, `seed ${seed}, iteration ${iteration}`);
    }
  });

  test('raft messages with random signed and unsigned 64-bit values (seeded)', () => {
    const seed = 42n;
    const random = new SeededRandom(seed);
    for (let iteration = 0; iteration < 300; iteration++) {
      const message = Message.create({
        msgType: MessageType.MsgAppend,
        to: random.nextInterestingUint64(),
        from: random.nextInterestingUint64(),
        term: random.nextInterestingUint64(),
        logTerm: random.nextInterestingUint64(),
        index: random.nextInterestingUint64(),
        commit: random.nextInterestingUint64(),
        priority: random.nextInt64(),
        entries: [{ term: random.nextUint64(), index: random.nextUint64(), data: random.nextBytes(32) }],
      });
      const decoded = roundTrip(Message, message);
      assert.deepStrictEqual(decoded, message, `seed ${seed}, iteration ${iteration}`);
    }
  });
});
