// Jest setup (setupFilesAfterEnv): every response an in-process service writes during a test is
// checked against the OpenAPI document of the app that wrote it, and the test fails on anything
// the document does not say (a status, a content type, a JSON body its schema refuses).
import { ResponseContract } from './response-contract';
import { onEveryResponse } from './response-recorder';

const contracts = new WeakMap<object, ResponseContract>();
const violations: string[] = [];
/** Statuses the running test provokes on purpose (a fault it injects): not held against the document. */
let allowed = new Set<number>();

/**
 * For the running test only: answers with `status` are expected although no document lists them
 * (a 500 a test provokes by making a part throw).
 */
export function allowUndocumentedStatus(status: number): void {
  allowed.add(status);
}

onEveryResponse((response, document) => {
  let contract = contracts.get(document);
  if (!contract) {
    contract = new ResponseContract(document as ConstructorParameters<typeof ResponseContract>[0]);
    contracts.set(document, contract);
  }
  if (allowed.has(response.status)) return;
  try {
    violations.push(...contract.check(response));
  } catch (error) {
    violations.push(`${response.method} ${response.url}: ${(error as Error).message}`);
  }
});

function expectNoViolations(): void {
  const found = violations.splice(0);
  if (found.length > 0) {
    throw new Error(`Responses that do not match the API document:\n  ${found.join('\n  ')}`);
  }
}

afterEach(() => {
  allowed = new Set();
  expectNoViolations();
});
afterAll(() => {
  expectNoViolations();
  onEveryResponse(undefined);
});
