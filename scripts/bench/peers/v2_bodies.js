// Writes Open Inference Protocol v2 request bodies for scripts/bench/serve.sh, one JSON line per image: the first
// COUNT Fashion-MNIST test images (Debian's dataset-fashion-mnist, pixel values 0..255 as the portal's models take
// them) as single-image FP32 requests of the given input name and shape, numbers written as a NumPy client's
// json.dumps(image.astype(float32).tolist()) writes them ("0.0", "13.0"). With --binary OUTPUT_NAME each request
// uses the binary tensor data extension instead: a JSON header (the input with parameters.binary_data_size, the
// output asked for with parameters.binary_data) followed by the image as little-endian float32, written as one
// line "HEADER_BYTES HEX_OF_THE_WHOLE_BODY" (load/v2_infer.lua sends it with Inference-Header-Content-Length).
//   node v2_bodies.js IMAGES_IDX_GZ INPUT_NAME SHAPE COUNT [--binary OUTPUT_NAME] > bodies.jsonl   (SHAPE e.g. 1,784 or 1,1,28,28)
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const [file, inputName, shapeText, countText, binaryFlag, outputName] = process.argv.slice(2);
if (!file || !inputName || !shapeText || !countText || (binaryFlag !== undefined && (binaryFlag !== '--binary' || !outputName))) {
  throw new Error('usage: v2_bodies.js IMAGES_IDX_GZ INPUT_NAME SHAPE COUNT [--binary OUTPUT_NAME]');
}
const idx = gunzipSync(readFileSync(file));
const magic = idx.readUInt32BE(0);
if (magic !== 0x803) throw new Error(`${file} is not an IDX image file (magic 0x${magic.toString(16)}, expected 0x803)`);
const [images, rows, cols] = [idx.readUInt32BE(4), idx.readUInt32BE(8), idx.readUInt32BE(12)];
const pixels = rows * cols;
const shape = shapeText.split(',').map(Number);
const values = shape.reduce((a, d) => a * d, 1);
if (shape[0] !== 1 || values !== pixels) {
  throw new Error(`shape [${shape}] is not one ${rows}×${cols} image (${values} values, expected batch 1 and ${pixels})`);
}
const count = Math.min(Number(countText), images);
const lines = [];
for (let i = 0; i < count; i++) {
  const image = idx.subarray(16 + i * pixels, 16 + (i + 1) * pixels);
  if (outputName) {
    const values = Buffer.alloc(pixels * 4);
    image.forEach((p, j) => values.writeFloatLE(p, j * 4));
    const header = Buffer.from(`{"inputs":[{"name":${JSON.stringify(inputName)},"shape":[${shape}],"datatype":"FP32","parameters":{"binary_data_size":${values.length}}}],`
      + `"outputs":[{"name":${JSON.stringify(outputName)},"parameters":{"binary_data":true}}]}`);
    lines.push(`${header.length} ${Buffer.concat([header, values]).toString('hex')}`);
  } else {
    const data = Array.from(image, (p) => `${p}.0`).join(',');
    lines.push(`{"inputs":[{"name":${JSON.stringify(inputName)},"shape":[${shape}],"datatype":"FP32","data":[${data}]}]}`);
  }
}
process.stdout.write(lines.join('\n') + '\n');
