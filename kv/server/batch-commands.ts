import type { ServerDuplexStream } from '@grpc/grpc-js';
import type * as tikvpb from '../../proto/gen/tikvpb.js';
import type { KvHandlers } from './kv-handlers.js';

type Response = tikvpb.BatchCommandsResponse_Response;

/** Runs one multiplexed request through the handler its kind names. */
export async function dispatchCommand(handlers: KvHandlers, request: tikvpb.BatchCommandsRequest_Request): Promise<Response> {
  const cmd = request.cmd;
  if (cmd === undefined) return { cmd: { $case: 'empty', value: { testId: 0n } } };
  switch (cmd.$case) {
    case 'get':
      return { cmd: { $case: cmd.$case, value: await handlers.get(cmd.value) } };
    case 'scan':
      return { cmd: { $case: cmd.$case, value: await handlers.scan(cmd.value) } };
    case 'batchGet':
      return { cmd: { $case: cmd.$case, value: await handlers.batchGet(cmd.value) } };
    case 'prewrite':
      return { cmd: { $case: cmd.$case, value: await handlers.prewrite(cmd.value) } };
    case 'commit':
      return { cmd: { $case: cmd.$case, value: await handlers.commit(cmd.value) } };
    case 'cleanup':
      return { cmd: { $case: cmd.$case, value: await handlers.cleanup(cmd.value) } };
    case 'batchRollback':
      return { cmd: { $case: cmd.$case, value: await handlers.batchRollback(cmd.value) } };
    case 'checkTxnStatus':
      return { cmd: { $case: cmd.$case, value: await handlers.checkTxnStatus(cmd.value) } };
    case 'checkSecondaryLocks':
      return { cmd: { $case: cmd.$case, value: await handlers.checkSecondaryLocks(cmd.value) } };
    case 'resolveLock':
      return { cmd: { $case: cmd.$case, value: await handlers.resolveLock(cmd.value) } };
    case 'scanLock':
      return { cmd: { $case: cmd.$case, value: await handlers.scanLock(cmd.value) } };
    case 'txnHeartBeat':
      return { cmd: { $case: cmd.$case, value: await handlers.txnHeartBeat(cmd.value) } };
    case 'pessimisticLock':
      return { cmd: { $case: cmd.$case, value: await handlers.pessimisticLock(cmd.value) } };
    case 'pessimisticRollback':
      return { cmd: { $case: cmd.$case, value: await handlers.pessimisticRollback(cmd.value) } };
    case 'gc':
      return { cmd: { $case: cmd.$case, value: await handlers.gc(cmd.value) } };
    case 'deleteRange':
      return { cmd: { $case: cmd.$case, value: await handlers.deleteRange(cmd.value) } };
    case 'rawGet':
      return { cmd: { $case: cmd.$case, value: await handlers.rawGet(cmd.value) } };
    case 'rawBatchGet':
      return { cmd: { $case: cmd.$case, value: await handlers.rawBatchGet(cmd.value) } };
    case 'rawPut':
      return { cmd: { $case: cmd.$case, value: await handlers.rawPut(cmd.value) } };
    case 'rawBatchPut':
      return { cmd: { $case: cmd.$case, value: await handlers.rawBatchPut(cmd.value) } };
    case 'rawDelete':
      return { cmd: { $case: cmd.$case, value: await handlers.rawDelete(cmd.value) } };
    case 'rawBatchDelete':
      return { cmd: { $case: cmd.$case, value: await handlers.rawBatchDelete(cmd.value) } };
    case 'rawScan':
      return { cmd: { $case: cmd.$case, value: await handlers.rawScan(cmd.value) } };
    case 'rawDeleteRange':
      return { cmd: { $case: cmd.$case, value: await handlers.rawDeleteRange(cmd.value) } };
    case 'rawCompareAndSwap':
      return { cmd: { $case: cmd.$case, value: await handlers.rawCompareAndSwap(cmd.value) } };
    case 'rawGetKeyTtl':
      return { cmd: { $case: cmd.$case, value: await handlers.rawGetKeyTtl(cmd.value) } };
    case 'coprocessor':
      return { cmd: { $case: cmd.$case, value: await handlers.coprocessor(cmd.value) } };
    case 'empty':
      return { cmd: { $case: cmd.$case, value: await handlers.empty(cmd.value) } };
  }
}

/**
 * The BatchCommands stream: every request of every incoming message runs concurrently
 * through the same handlers as the unary calls, and each is answered as soon as it is
 * done. The answers finished in one turn go out together as one message, each with its
 * request ID, so a slow request (a lock wait, a Raft round) never holds back the fast
 * ones that arrived with it, as in TiKV. The stream ends once the client has ended its
 * side and every request has been answered.
 *
 * Invariant: requests and requestIds have the same length; a message that breaks it
 * has its unmatched tail dropped (an answer without its ID would be unroutable). A message's size is bounded by
 * gRPC's receive limit (4 MiB by default), which bounds the requests it carries.
 */
export function handleBatchCommands(handlers: KvHandlers, call: ServerDuplexStream<tikvpb.BatchCommandsRequest, tikvpb.BatchCommandsResponse>): void {
  let pending = 0;
  let ended = false;
  let closed = false;
  let ready: Response[] = [];
  let readyIds: bigint[] = [];
  let flushScheduled = false;
  const flush = () => {
    flushScheduled = false;
    if (ready.length > 0 && !closed && !call.cancelled) call.write({ responses: ready, requestIds: readyIds, transportLayerLoad: BigInt(pending) });
    ready = [];
    readyIds = [];
    if (ended && pending === 0 && !closed) {
      closed = true;
      call.end();
    }
  };
  const scheduleFlush = () => {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(flush);
  };
  call.on('data', (message: tikvpb.BatchCommandsRequest) => {
    const count = Math.min(message.requests.length, message.requestIds.length);
    for (let index = 0; index < count; index++) {
      const requestId = message.requestIds[index]!;
      pending++;
      // Handlers never reject; a rejection here is a bug, and it fails the stream rather than the process.
      dispatchCommand(handlers, message.requests[index]!).then(
        (response) => {
          pending--;
          ready.push(response);
          readyIds.push(requestId);
          scheduleFlush();
        },
        (error: unknown) => {
          pending--;
          if (!closed) {
            closed = true;
            call.destroy(error instanceof Error ? error : new Error(String(error)));
          }
        },
      );
    }
  });
  call.on('end', () => {
    ended = true;
    scheduleFlush();
  });
  call.on('error', () => {
    closed = true;
  });
}
