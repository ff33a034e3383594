'use strict';
// A proxyless grpc-js-xds client driven by the Attaché interop tests (GrpcJsXdsIT). It reads its
// bootstrap from GRPC_XDS_BOOTSTRAP, prints one hello line with its versions, then answers each
// command line on stdin
//
//   {"id": 1, "target": "portal", "method": "Who", "headers": {"x-variant": "beta"}, "count": 3}
//
// with one result line on stdout: the outcome of each unary call to xds:///<target> on the interop
// service attache.interop.Echo (empty request, the answering backend's name as the reply). One
// client per target lives as long as the process, so config pushed between commands reaches the
// same channel. It judges nothing: the JUnit test compares what it printed with the policy. It
// exits when stdin closes.
const grpc = require('@grpc/grpc-js');
const readline = require('readline');
require('@grpc/grpc-js-xds').register();

const identity = (b) => b;
const clients = new Map();

function emit(line) {
  process.stdout.write(JSON.stringify(line) + '\n');
}

function call(client, command) {
  return new Promise((resolve) => {
    const metadata = new grpc.Metadata();
    for (const [name, value] of Object.entries(command.headers || {})) {
      metadata.set(name, value);
    }
    const deadline = new Date(Date.now() + (command.timeout_ms || 10000));
    client.makeUnaryRequest('/attache.interop.Echo/' + command.method, identity, identity,
      Buffer.alloc(0), metadata, { deadline }, (error, reply) => {
        resolve(error
          ? { code: error.code, backend: '', details: error.details }
          : { code: 0, backend: reply.toString('utf8'), details: '' });
      });
  });
}

async function run(command) {
  if (!clients.has(command.target)) {
    clients.set(command.target,
      new grpc.Client('xds:///' + command.target, grpc.credentials.createInsecure()));
  }
  const client = clients.get(command.target);
  const calls = [];
  for (let n = 0; n < Math.max(1, command.count || 1); n++) {
    calls.push(await call(client, command));
  }
  return calls;
}

async function main() {
  emit({
    client: 'grpc-js',
    version: require('@grpc/grpc-js/package.json').version,
    xds_version: require('@grpc/grpc-js-xds/package.json').version,
  });
  const lines = readline.createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    if (!line.trim()) {
      continue;
    }
    let command;
    try {
      command = JSON.parse(line);
    } catch (e) {
      emit({ id: -1, error: 'bad command: ' + e.message });
      continue;
    }
    emit({ id: command.id, calls: await run(command) });
  }
  for (const client of clients.values()) {
    client.close();
  }
  // The xDS client keeps its ADS stream open; stdin is closed, so leave now.
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
