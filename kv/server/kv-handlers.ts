import type * as tikvpb from '../../proto/gen/tikvpb.js';
import { classifyFailure, type Failure } from './kv-errors.js';

type RequestCommand = NonNullable<tikvpb.BatchCommandsRequest_Request['cmd']>;
type ResponseCommand = NonNullable<tikvpb.BatchCommandsResponse_Response['cmd']>;

export type CommandName = RequestCommand['$case'];
export type CommandRequest<C extends CommandName> = Extract<RequestCommand, { $case: C }>['value'];
export type CommandResponse<C extends CommandName> = Extract<ResponseCommand, { $case: C }>['value'];

/**
 * One async function per KV command, named as BatchCommands names them. The unary gRPC
 * methods and the BatchCommands stream both call these, so a command behaves the same
 * whichever way it arrives. A handler never rejects: every failure is in its response.
 */
export type KvHandlers = { readonly [C in CommandName]: (request: CommandRequest<C>) => Promise<CommandResponse<C>> };

/** Wraps a command so that any failure becomes the response `onFailure` builds. */
export function guarded<Request, Response>(run: (request: Request) => Promise<Response>, onFailure: (failure: Failure) => Response): (request: Request) => Promise<Response> {
  return async (request) => {
    try {
      return await run(request);
    } catch (error) {
      return onFailure(classifyFailure(error));
    }
  };
}
