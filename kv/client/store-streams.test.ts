import { bindServer } from '../../common/grpc-bind.js';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, type ServerDuplexStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import * as tikvpb from '../../proto/gen/tikvpb.js';
import { ClientClosedError, StoreUnreachableError } from './errors.js';
import { StoreStreams } from './store-streams.js';

describe('StoreStreams: one multiplexed BatchCommands stream per store', () => {
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
    const port = await bindServer(server, '127.0.0.1:0');
    const client = new StoreStreams();
    try {
      const answers = await Promise.all(Array.from({ length: 100 }, (_, index) => client.send(`127.0.0.1:${port}`, { cmd: { $case: 'empty', value: { testId: BigInt(index) } } }, 10_000)));
      assert.deepEqual(
        answers.map((answer) => (answer.cmd?.$case === 'empty' ? answer.cmd.value.testId : undefined)),
        Array.from({ length: 100 }, (_, index) => BigInt(index)),
      );
      assert.deepEqual(messageSizes, [100]);
      assert.deepEqual(client.stats(), { messages: 1, requests: 100 });
    } finally {
      client.close();
    }
  });

  test('a request nobody answers times out, a store that is not there fails fast, and both are StoreUnreachableError', async () => {
    const silent = new Server();
    silent.addService(tikvpb.TikvService, { batchCommands: () => undefined } as unknown as UntypedServiceImplementation);
    const port = await bindServer(silent, '127.0.0.1:0');
    const client = new StoreStreams();
    try {
      await assert.rejects(client.send(`127.0.0.1:${port}`, { cmd: { $case: 'empty', value: { testId: 1n } } }, 200), (error: unknown) => error instanceof StoreUnreachableError && /within 200 ms/.test(error.message));
      await assert.rejects(client.send('127.0.0.1:1', { cmd: { $case: 'empty', value: { testId: 2n } } }, 10_000), StoreUnreachableError);
    } finally {
      client.close();
      silent.forceShutdown();
    }
    await assert.rejects(client.send(`127.0.0.1:${port}`, { cmd: { $case: 'empty', value: { testId: 3n } } }, 200), ClientClosedError);
  });

  test('closing with a send not yet flushed fails that send and opens nothing on the closed channel', async () => {
    const client = new StoreStreams();
    const sent = client.send('127.0.0.1:1', { cmd: { $case: 'empty', value: { testId: 4n } } }, 10_000);
    client.close();
    await assert.rejects(sent, ClientClosedError);
    // The flush scheduled by the send runs after close; it must not throw.
    await new Promise((resolve) => setImmediate(resolve));
  });

  test('a request whose caller gave up before it was flushed is never sent', async () => {
    const received: bigint[] = [];
    const echo = new Server();
    echo.addService(tikvpb.TikvService, {
      batchCommands: (call: ServerDuplexStream<tikvpb.BatchCommandsRequest, tikvpb.BatchCommandsResponse>) => {
        call.on('data', (message: tikvpb.BatchCommandsRequest) => {
          const ids = message.requests.map((request) => (request.cmd?.$case === 'empty' ? request.cmd.value.testId : -1n));
          received.push(...ids);
          call.write({ responses: ids.map((testId) => ({ cmd: { $case: 'empty' as const, value: { testId } } })), requestIds: message.requestIds, transportLayerLoad: 0n });
        });
        call.on('end', () => call.end());
      },
    } as unknown as UntypedServiceImplementation);
    const address = `127.0.0.1:${await bindServer(echo, '127.0.0.1:0')}`;
    const client = new StoreStreams();
    try {
      // Sent from a check-phase callback and followed by a busy wait: the 1 ms timeout fires
      // in the next loop's timers phase, before the flush in its check phase.
      // (Wrapped: resolving with a promise would adopt it.)
      const { abandoned } = await new Promise<{ abandoned: Promise<unknown> }>((resolve) =>
        setImmediate(() => {
          const sent = client.send(address, { cmd: { $case: 'empty', value: { testId: 5n } } }, 1);
          const until = Date.now() + 5;
          while (Date.now() < until) {
            // Let the timeout come due.
          }
          resolve({ abandoned: sent });
        }),
      );
      await assert.rejects(abandoned, StoreUnreachableError);
      const answered = await client.send(address, { cmd: { $case: 'empty', value: { testId: 6n } } }, 10_000);
      assert.equal(answered.cmd?.$case === 'empty' ? answered.cmd.value.testId : undefined, 6n);
      assert.deepEqual(received, [6n]);
    } finally {
      client.close();
      echo.forceShutdown();
    }
  });
});
