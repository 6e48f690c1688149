import { ServerCredentials, type Server } from '@grpc/grpc-js';

/** Binds a gRPC server to `address` (host:port; port 0 picks a free one) without TLS; resolves with the port. */
export function bindServer(server: Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync(address, ServerCredentials.createInsecure(), (error, port) => (error === null ? resolve(port) : reject(error))));
}
