import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, ServerCredentials, type ServerDuplexStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import * as tikvpb from '../proto/gen/tikvpb.js';
import { BatchStreamClient } from './batch-stream-client.js';
import { processCpu } from './process-cpu.js';

describe('BatchStreamClient (the benchmark client)', () => {
  const server = new Server();
  after(() => server.forceShutdown());

  test('packs the requests pending in one turn into one message and routes every answer back by ID, even out of order', async () => {
    const messageSizes: number[] = [];
    // Answers each message in reverse order, echoing each request's testId.
    const batchCommands = (call: ServerDuplexStream<tikvpb.BatchCommandsRequest, tikvpb.BatchCommandsResponse>) => {
      call.on('data', (message: tikvpb.BatchCommandsRequest) => {
        messageSizes.push(message.requests.length);
        const answers = message.requests.map((request, index) => ({
          id: message.requestIds[index]!,
          response: { cmd: { $case: 'empty' as const, value: { testId: request.cmd?.$case === 'empty' ? request.cmd.value.testId : -1n } } },
        }));
        answers.reverse();
        call.write({ responses: answers.map((answer) => answer.response), requestIds: answers.map((answer) => answer.id), transportLayerLoad: 0n });
      });
      call.on('end', () => call.end());
    };
    server.addService(tikvpb.TikvService, { batchCommands } as unknown as UntypedServiceImplementation);
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error === null ? resolve(bound) : reject(error))));
    const client = new BatchStreamClient(`127.0.0.1:${port}`);
    try {
      const answers = await Promise.all(Array.from({ length: 100 }, (_, index) => client.send({ cmd: { $case: 'empty', value: { testId: BigInt(index) } } })));
      assert.deepEqual(
        answers.map((answer) => (answer.cmd?.$case === 'empty' ? answer.cmd.value.testId : undefined)),
        Array.from({ length: 100 }, (_, index) => BigInt(index)),
      );
      assert.deepEqual(messageSizes, [100]);
      assert.equal(client.messages, 1);
      assert.equal(client.requests, 100);
    } finally {
      client.close();
    }
  });

  test('processCpu reads this process\'s CPU time from /proc, and it grows with work', () => {
    const before = processCpu(process.pid);
    const until = performance.now() + 100;
    let spin = 0;
    while (performance.now() < until) spin++;
    const after = processCpu(process.pid);
    assert.ok(spin > 0);
    assert.ok(after.user + after.system > before.user + before.system, `${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
  });
});
