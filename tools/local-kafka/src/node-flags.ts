// The Node.js flags each service runs with, wherever this project starts it (npm start, the
// benchmark, the tests, and the Dockerfile, which reads them from here). service-b keeps V8's
// young generation at 4 MB a semi-space instead of 16: its records die young in bursts, and the
// larger young generation only
// added resident memory (about 150 MB at full speed with 16, about 120 with 4, at the same
// throughput). This flag cannot be set from inside the process, so it is given on the command line.
export const SERVICE_NODE_FLAGS: Record<'service-a' | 'service-b', readonly string[]> = {
  'service-a': [],
  'service-b': ['--max-semi-space-size=4'],
};
