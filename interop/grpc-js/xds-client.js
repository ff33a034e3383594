'use strict';
// A proxyless grpc-js-xds client for GrpcJsXdsIT. It reads its bootstrap from GRPC_XDS_BOOTSTRAP,
// makes the calls the scenario (argv[2], JSON) asks for to xds:///<target> on the interop service
// attache.interop.Echo (bytes in, the answering backend's name out), and prints one JSON line per
// call. It judges nothing: the JUnit test compares what it printed with what the policy says.
//
// Scenario: {"target": "portal", "steps": [{"method": "Who", "headers": {"x-variant": "beta"},
//            "count": 1}]}
const grpc = require('@grpc/grpc-js');
require('@grpc/grpc-js-xds').register();

const scenario = JSON.parse(process.argv[2]);
const client = new grpc.Client('xds:///' + scenario.target, grpc.credentials.createInsecure());
const identity = (b) => b;

function call(step) {
  return new Promise((resolve) => {
    const metadata = new grpc.Metadata();
    for (const [name, value] of Object.entries(step.headers || {})) {
      metadata.set(name, value);
    }
    const deadline = new Date(Date.now() + 10000);
    client.makeUnaryRequest('/attache.interop.Echo/' + step.method, identity, identity,
      Buffer.alloc(0), metadata, { deadline }, (error, reply) => {
        resolve(error
          ? { code: error.code, backend: '', details: error.details }
          : { code: 0, backend: reply.toString('utf8'), details: '' });
      });
  });
}

async function main() {
  for (let i = 0; i < scenario.steps.length; i++) {
    const step = scenario.steps[i];
    for (let n = 0; n < (step.count || 1); n++) {
      const outcome = await call(step);
      console.log(JSON.stringify({ step: i, ...outcome }));
    }
  }
  client.close();
  console.log(JSON.stringify({ done: true }));
  // The xDS client keeps its ADS stream open; the scenario is over, so leave now.
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
