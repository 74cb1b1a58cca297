// Peer for scripts/bench/serve.sh: a small Open Inference Protocol v2 server on node:http running the same ONNX
// files through onnxruntime-node. One session per model per process, created at start and reused; requests and
// responses have the portal's V2 JSON shape, for models of one FP32 or INT64 input (token ids):
//   POST /v2/models/{name}/infer  {"inputs":[{"name","shape","datatype":"FP32"|"INT64","data":[…]}]}
//   → {"model_name","model_version","outputs":[{"name","shape","datatype":"FP32","data":[…]}]}
// plus GET /v2/health/live|ready and GET /v2/models/{name}. Errors are {"error": "…"} with 400/404/405/413.
// onnxruntime-node runs a session synchronously on the JavaScript thread, so the way to use several cores is
// several processes: --workers N forks N processes (node:cluster) sharing the port.
//   node serve_peer.js --port P --model NAME=FILE [--model NAME=FILE …] [--workers N] [--threads N]
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import * as ort from 'onnxruntime-node';

const maxBodyBytes = 1024 * 1024;

function parseArgs(argv) {
  const options = { port: 0, workers: 1, threads: 1, models: [] };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${argv[i]} needs a value`);
    if (key === 'model') {
      const at = value.indexOf('=');
      if (at <= 0) throw new Error(`--model takes NAME=FILE, not '${value}'`);
      options.models.push({ name: value.slice(0, at), file: value.slice(at + 1) });
    } else if (['port', 'workers', 'threads'].includes(key)) {
      options[key] = Number(value);
      if (!Number.isInteger(options[key]) || options[key] < 0) throw new Error(`--${key} must be a whole number, not '${value}'`);
    } else {
      throw new Error(`unknown option ${argv[i]}`);
    }
  }
  if (!options.port || options.models.length === 0) {
    throw new Error('usage: serve_peer.js --port P --model NAME=FILE [--model NAME=FILE …] [--workers N] [--threads N]');
  }
  return options;
}

const typeNames = { float32: 'FP32', int64: 'INT64' };
// How each input datatype's JSON numbers become a tensor: INT64 values must be whole numbers JavaScript holds exactly.
const tensorOf = {
  FP32: (name, data, shape) => new ort.Tensor('float32', Float32Array.from(data), shape),
  INT64: (name, data, shape) => {
    const values = new BigInt64Array(data.length);
    for (let i = 0; i < data.length; i++) {
      if (!Number.isSafeInteger(data[i])) throw new RequestError(400, `input '${name}': INT64 value ${JSON.stringify(data[i])} at ${i} is not a whole number`);
      values[i] = BigInt(data[i]);
    }
    return new ort.Tensor('int64', values, shape);
  },
};

async function loadModel({ name, file }, threads) {
  const session = await ort.InferenceSession.create(file, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    executionProviders: ['cpu'],
  });
  const metadata = (names, list) => names.map((n, i) => ({
    name: n,
    datatype: typeNames[list?.[i]?.type] ?? 'FP32',
    shape: (list?.[i]?.shape ?? []).map((d) => (typeof d === 'number' ? d : -1)),
  }));
  const inputs = metadata(session.inputNames, session.inputMetadata);
  const outputs = metadata(session.outputNames, session.outputMetadata);
  if (inputs.length !== 1 || !tensorOf[inputs[0].datatype]) {
    throw new Error(`${file}: the peer serves models of one FP32 or INT64 input, not [${inputs.map((i) => `${i.name} ${i.datatype}`)}]`);
  }
  return { name, session, inputs, outputs };
}

class RequestError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function infer(model, body) {
  let request;
  try {
    request = JSON.parse(body);
  } catch (e) {
    throw new RequestError(400, `the body is not JSON: ${e.message}`);
  }
  const input = Array.isArray(request?.inputs) && request.inputs.length === 1 ? request.inputs[0] : null;
  if (!input) throw new RequestError(400, `model '${model.name}' takes exactly one input`);
  const expected = model.inputs[0];
  if (input.name !== expected.name) throw new RequestError(400, `unknown input '${input.name}'; model '${model.name}' takes '${expected.name}'`);
  if (input.datatype !== expected.datatype) throw new RequestError(400, `input '${input.name}' has datatype ${input.datatype}; expected ${expected.datatype}`);
  const shape = input.shape;
  if (!Array.isArray(shape) || shape.length !== expected.shape.length || !shape.every(Number.isInteger)
      || shape.slice(1).some((d, i) => d !== expected.shape[i + 1] && expected.shape[i + 1] !== -1)) {
    throw new RequestError(400, `input '${input.name}' has shape [${shape}]; expected [${expected.shape}]`);
  }
  const count = shape.reduce((a, d) => a * d, 1);
  if (!Array.isArray(input.data) || input.data.length !== count) {
    throw new RequestError(400, `input '${input.name}' of shape [${shape}] needs ${count} values, got ${input.data?.length ?? 'none'}`);
  }
  const results = await model.session.run({ [expected.name]: tensorOf[expected.datatype](expected.name, input.data, shape) });
  const outputs = model.outputs.map(({ name }) => {
    const tensor = results[name];
    return { name, datatype: 'FP32', shape: tensor.dims, data: Array.from(tensor.data) };
  });
  return JSON.stringify({ model_name: model.name, model_version: '1', ...(request.id ? { id: request.id } : {}), outputs });
}

function send(response, status, text) {
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

async function serve(options) {
  const models = new Map();
  for (const spec of options.models) models.set(spec.name, await loadModel(spec, options.threads));

  const server = createServer((request, response) => {
    const path = request.url.split('?')[0];
    const parts = path.split('/').filter(Boolean);
    const fail = (e) => send(response, e.status ?? 500, JSON.stringify({ error: e.message }));
    if (parts[0] !== 'v2') return fail(new RequestError(404, `no route ${path}`));
    if (parts[1] === 'health') return send(response, 200, '{}');
    const model = parts[1] === 'models' ? models.get(decodeURIComponent(parts[2] ?? '')) : undefined;
    if (!model) return fail(new RequestError(404, `unknown model '${parts[2] ?? ''}'`));
    if (parts.length === 3 && request.method === 'GET') {
      return send(response, 200, JSON.stringify({ name: model.name, versions: ['1'], platform: 'onnxruntime_onnx', inputs: model.inputs, outputs: model.outputs }));
    }
    if (parts.length !== 4 || parts[3] !== 'infer') return fail(new RequestError(404, `no route ${path}`));
    if (request.method !== 'POST') return fail(new RequestError(405, 'infer takes POST'));
    const chunks = [];
    let size = 0;
    request.on('data', (chunk) => {
      size += chunk.length;
      if (size <= maxBodyBytes) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > maxBodyBytes) return fail(new RequestError(413, `the body has ${size} bytes; the limit is ${maxBodyBytes}`));
      infer(model, Buffer.concat(chunks, size).toString('utf8')).then((text) => send(response, 200, text), fail);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(options.port, '127.0.0.1');
}

const options = parseArgs(process.argv.slice(2));
if (options.workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < options.workers; i++) cluster.fork();
  // A worker that dies takes the benchmark's figures with it: stop everything rather than limp on.
  cluster.on('exit', (worker, code) => {
    console.error(`serve_peer: worker ${worker.process.pid} exited with ${code}`);
    process.exit(1);
  });
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      cluster.removeAllListeners('exit');
      for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM');
      process.exit(0);
    });
  }
} else {
  await serve(options);
}
