// Drives a galaos-updater daemon with the real @trpc/client (v11), as the GalaOS web app does.
// usage (tests/support NodeReference): node trpc-client.js <@trpc/client dir> <in.json> <out.json>
// in.json: {"baseUrl": "http://127.0.0.1:PORT", "plan": [{"link": "batch"|"http",
//   "token": "<bearer>"|null, "kind": "query"|"mutation", "path": "systemUpdates.x",
//   "input": {...}?, "group": <n>?}]}
// Calls with the same `group` (and link and token) are issued together, so httpBatchLink puts
// them into one HTTP request. Writes one JSON result per call, in plan order, to out.json:
//   {"ok": true, "data": ...} or {"ok": false, "error": {name, message, code, httpStatus, path}}
'use strict';
const fs = require('fs');

async function main() {
  const [clientDir, inputPath, outputPath] = process.argv.slice(2);
  const { createTRPCUntypedClient, httpBatchLink, httpLink, TRPCClientError } = require(clientDir);
  const { baseUrl, plan } = JSON.parse(fs.readFileSync(inputPath, 'utf8'));
  const clients = new Map();
  const clientFor = (link, token) => {
    const key = `${link} ${token}`;
    if (!clients.has(key)) {
      const options = {
        url: `${baseUrl}/trpc`,
        headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
      };
      clients.set(key, createTRPCUntypedClient({
        links: [link === 'batch' ? httpBatchLink(options) : httpLink(options)],
      }));
    }
    return clients.get(key);
  };
  const call = async (step) => {
    const client = clientFor(step.link, step.token);
    try {
      const data = step.kind === 'query' ? await client.query(step.path, step.input)
                                         : await client.mutation(step.path, step.input);
      return { ok: true, data: data === undefined ? null : data };
    } catch (error) {
      if (!(error instanceof TRPCClientError)) throw error;
      return {
        ok: false,
        error: {
          name: error.name,
          message: error.message,
          code: error.data?.code ?? null,
          httpStatus: error.data?.httpStatus ?? null,
          path: error.data?.path ?? null,
        },
      };
    }
  };
  const results = new Array(plan.length);
  // Steps of one group start together (one batch); groups run one after another.
  for (let i = 0; i < plan.length;) {
    let j = i + 1;
    while (j < plan.length && plan[j].group !== undefined && plan[j].group === plan[i].group) j++;
    const settled = await Promise.all(plan.slice(i, j).map(call));
    settled.forEach((result, k) => { results[i + k] = result; });
    i = j;
  }
  fs.writeFileSync(outputPath, JSON.stringify(results));
}

main().catch((error) => {
  process.stderr.write(`trpc-client: ${error.stack || error}\n`);
  process.exit(1);
});
