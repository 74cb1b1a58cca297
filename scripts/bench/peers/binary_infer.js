// Sends one request of the binary tensor data extension, as peers/v2_bodies.js --binary writes them (a line
// "HEADER_BYTES HEX_OF_THE_WHOLE_BODY" on stdin), and prints the answer as plain V2 JSON: each output asked for as
// binary is read from the bytes after the answer's JSON header (Inference-Header-Content-Length, then each output's
// parameters.binary_data_size, in order) and given back as "data". Fails unless the answer is 200 and its binary
// part is accounted for to the byte. For scripts/bench/serve.sh's check that binary and JSON give the same answer.
//   node binary_infer.js URL [API_KEY] < line
import { readFileSync } from 'node:fs';

const [url, apiKey] = process.argv.slice(2);
if (!url) throw new Error('usage: binary_infer.js URL [API_KEY] < line');
const [headerLength, hex] = readFileSync(0, 'utf8').trim().split(' ');
const headers = { 'content-type': 'application/octet-stream', 'inference-header-content-length': headerLength };
if (apiKey) headers['x-api-key'] = apiKey;
const response = await fetch(url, { method: 'POST', headers, body: Buffer.from(hex, 'hex') });
const body = Buffer.from(await response.arrayBuffer());
if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${body.subarray(0, 300)}`);
const jsonLength = Number(response.headers.get('inference-header-content-length'));
if (!jsonLength) throw new Error(`the answer has no Inference-Header-Content-Length: ${body.subarray(0, 300)}`);
const answer = JSON.parse(body.subarray(0, jsonLength));
const readers = { FP32: (b, i) => b.readFloatLE(4 * i), FP64: (b, i) => b.readDoubleLE(8 * i), INT64: (b, i) => Number(b.readBigInt64LE(8 * i)) };
const sizes = { FP32: 4, FP64: 8, INT64: 8 };
let offset = jsonLength;
for (const output of answer.outputs) {
  const bytes = output.parameters?.binary_data_size;
  if (bytes === undefined) continue;
  if (!readers[output.datatype]) throw new Error(`output '${output.name}' is binary ${output.datatype}, which this check does not read`);
  const slice = body.subarray(offset, offset + bytes);
  if (slice.length !== bytes) throw new Error(`output '${output.name}' has binary_data_size ${bytes}, but only ${slice.length} bytes are left`);
  output.data = Array.from({ length: bytes / sizes[output.datatype] }, (_, i) => readers[output.datatype](slice, i));
  offset += bytes;
}
if (offset !== body.length) throw new Error(`the answer has ${body.length - offset} bytes no output accounts for`);
process.stdout.write(JSON.stringify(answer) + '\n');
