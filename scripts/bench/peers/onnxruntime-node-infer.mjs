// Peer for scripts/bench/infer.sh: the same ONNX file run by onnxruntime-node with the same thread settings as
// the engine. It loads one session, then answers commands read from stdin, one JSON line each, so the driver
// can interleave short measurements of both sides on a shared machine:
//   b1 CALLS WARMUP   batch-1 latency percentiles (µs) over CALLS timed calls
//   batched SECONDS   samples/s of batch --batch runs for SECONDS
//   check FILE        outputs for the float32 samples in FILE
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import * as ort from 'onnxruntime-node';

function parseArgs(argv) {
  const options = { threads: 1, batch: 64 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    options[key] = ['model', 'sample-shape'].includes(key) ? argv[i + 1] : Number(argv[i + 1]);
  }
  if (!options.model || !options.features) throw new Error('usage: --model FILE --features N [--sample-shape 1,28,28] [--threads N] [--batch N]');
  options.sampleShape = String(options['sample-shape'] ?? options.features).split(',').map(Number);
  return options;
}

function randomFeatures(count) {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = Math.random() * 255;
  return values;
}

const options = parseArgs(process.argv.slice(2));
const session = await ort.InferenceSession.create(options.model, {
  intraOpNumThreads: options.threads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  executionProviders: ['cpu'],
});
const inputName = session.inputNames[0];
const outputName = session.outputNames[0];
// Input tensors are made once and reused across calls, as a serving loop would.
const single = { [inputName]: new ort.Tensor('float32', randomFeatures(options.features), [1, ...options.sampleShape]) };
const batched = { [inputName]: new ort.Tensor('float32', randomFeatures(options.features * options.batch), [options.batch, ...options.sampleShape]) };

async function batchOne(calls, warmup) {
  for (let i = 0; i < warmup; i++) await session.run(single);
  const times = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint();
    await session.run(single);
    times[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  times.sort();
  const percentile = (p) => times[Math.max(0, Math.ceil(p * calls) - 1)];
  return { calls, p50_us: percentile(0.5), p99_us: percentile(0.99) };
}

async function batchedRun(seconds) {
  for (let i = 0; i < 3; i++) await session.run(batched);
  const budget = BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  let calls = 0;
  while (process.hrtime.bigint() - start < budget) {
    await session.run(batched);
    calls++;
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  return { calls, seconds: elapsed, samples_per_s: (calls * options.batch) / elapsed };
}

async function check(file) {
  const raw = readFileSync(file);
  const values = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const samples = values.length / options.features;
  const result = await session.run({ [inputName]: new ort.Tensor('float32', values, [samples, ...options.sampleShape]) });
  return { outputs: Array.from(result[outputName].data) };
}

console.log(JSON.stringify({ ready: true, runtime: `onnxruntime-node ${ort.env.versions.node}`, threads: options.threads }));
for await (const line of createInterface({ input: process.stdin })) {
  const [command, ...args] = line.trim().split(/\s+/);
  let answer;
  if (command === 'b1') answer = await batchOne(Number(args[0]), Number(args[1]));
  else if (command === 'batched') answer = await batchedRun(Number(args[0]));
  else if (command === 'check') answer = await check(args[0]);
  else answer = { error: `unknown command '${command}'` };
  console.log(JSON.stringify(answer));
}
