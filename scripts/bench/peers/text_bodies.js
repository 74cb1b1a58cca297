// Writes Open Inference Protocol v2 request bodies for scripts/bench/serve.sh's text section, one JSON line per
// fortunes test text: as token ids (INT64 [1, L]: the text's first ids, at most LENGTH; with ROWS "padded" L is
// LENGTH and the rest is padding, as training reads a row; with "own" L is the text's own length, at least 1, for a
// model that masks its padding, as the portal runs one text) and as the raw text (BYTES [1]). The texts are the portal's fortunes-test split, rebuilt here from Debian's
// fortunes files by the engine's written definition (FortunesCorpus, DatasetSplit.Indices with SplitMix64:
// stratified, a fifth for test, seed 25); the tokenizer is the one the model was trained with, read from the ONNX
// file's metadata (portal.tokenizer), and applied as WordTokenizer defines it (lower-cased, split by \w+|[^\w\s]+
// in .NET's sense of \w and \s). The last line on stdout is a JSON summary (texts, class counts, tokens, unknown
// tokens, distinct words, vocabulary size) for the caller to compare with the portal's own text statistics of
// fortunes-test, which proves the split and the tokenization are the portal's.
//   node text_bodies.js FORTUNES_DIR ONNX_FILE TOKENS_INPUT LENGTH padded|own TEXT_INPUT TOKENS_OUT TEXTS_OUT
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [directory, onnxFile, tokensInput, lengthText, rows, textInput, tokensOut, textsOut] = process.argv.slice(2);
if (!textsOut) throw new Error('usage: text_bodies.js FORTUNES_DIR ONNX_FILE TOKENS_INPUT LENGTH padded|own TEXT_INPUT TOKENS_OUT TEXTS_OUT');
const length = Number(lengthText);
if (!Number.isInteger(length) || length < 1) throw new Error(`LENGTH must be a whole number ≥ 1, not '${lengthText}'`);
if (rows !== 'padded' && rows !== 'own') throw new Error(`ROWS is padded or own, not '${rows}'`);

const categories = ['computers', 'definitions', 'people', 'politics', 'science'];
const testFraction = 0.2;
const splitSeed = 25;

// FortunesCorpus.Entries: entries end at lines holding only %, an overstrike (x BACKSPACE y) keeps what is printed
// last, each entry is trimmed and blank ones are left out.
function entries(file) {
  const found = [];
  let entry = '';
  const add = () => {
    const text = entry.replace(/^[\s\x85]+|[\s\x85]+$/g, '');
    if (text.length > 0) found.push(text);
    entry = '';
  };
  for (const raw of file.split('\n')) {
    const line = raw.replace(/\r+$/, '');
    if (line === '%') {
      add();
      continue;
    }
    if (entry.length > 0) entry += '\n';
    for (const ch of line) {
      if (ch === '\b') {
        if (entry.length > 0 && entry[entry.length - 1] !== '\n') entry = entry.slice(0, -1);
      } else entry += ch;
    }
  }
  add();
  return found;
}

// SplitMix64 and Lemire's unbiased bounded draw, as Portal.Engine.Data.SplitMix64 defines them.
const mask = (1n << 64n) - 1n;
function splitMix64(state) {
  return {
    next() {
      state = (state + 0x9E3779B97F4A7C15n) & mask;
      let z = state;
      z = ((z ^ (z >> 30n)) * 0xBF58476D1CE4E5B9n) & mask;
      z = ((z ^ (z >> 27n)) * 0x94D049BB133111EBn) & mask;
      return z ^ (z >> 31n);
    },
    nextInt(bound) {
      const b = BigInt(bound);
      let product = this.next() * b;
      if ((product & mask) < b) {
        const threshold = ((1n << 64n) - b) % b;
        while ((product & mask) < threshold) product = this.next() * b;
      }
      return Number(product >> 64n);
    },
  };
}

// DatasetSplit.Indices for a test part only: each class shuffled in label order by one generator started at
// (seed << 32) | 0xFFFFFFFF, round(N × fraction) test samples shared by largest remainder (ties to the lower class).
function testIndices(labels, classCount) {
  const groups = Array.from({ length: classCount }, () => []);
  labels.forEach((label, i) => groups[label].push(i));
  const random = splitMix64((BigInt(splitSeed) << 32n) | 0xFFFFFFFFn);
  for (const group of groups) {
    for (let i = group.length - 1; i > 0; i--) {
      const j = random.nextInt(i + 1);
      [group[i], group[j]] = [group[j], group[i]];
    }
  }
  const target = Math.round(labels.length * testFraction);
  const quota = groups.map((g) => Math.floor(g.length * testFraction));
  const remainders = groups.map((g, i) => g.length * testFraction - quota[i]);
  let placed = quota.reduce((a, q) => a + q, 0);
  const order = groups.map((_, i) => i).sort((a, b) => remainders[b] - remainders[a] || a - b);
  for (const g of order) {
    if (placed >= target) break;
    if (quota[g] >= groups[g].length) continue;
    quota[g]++;
    placed++;
  }
  return groups.flatMap((g, i) => g.slice(0, quota[i])).sort((a, b) => a - b);
}

// The model's tokenizer: the ONNX ModelProto's metadata_props (field 14, entries of key = 1 and value = 2), read by
// walking the top-level protobuf fields.
function onnxMetadata(bytes) {
  const props = new Map();
  let at = 0;
  const varint = () => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = bytes[at++];
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
  };
  const fields = (end, visit) => {
    while (at < end) {
      const key = Number(varint());
      const [field, wire] = [key >> 3, key & 7];
      if (wire === 0) varint();
      else if (wire === 1) at += 8;
      else if (wire === 5) at += 4;
      else if (wire === 2) {
        const size = Number(varint());
        const start = at;
        at += size;
        visit(field, start, at);
      } else throw new Error(`${onnxFile} is not an ONNX model (protobuf wire type ${wire} at byte ${at})`);
    }
  };
  fields(bytes.length, (field, start, end) => {
    if (field !== 14) return;
    const entry = {};
    const after = at;
    at = start;
    fields(end, (f, s, e) => { entry[f] = bytes.subarray(s, e).toString('utf8'); });
    at = after;
    props.set(entry[1], entry[2]);
  });
  return props;
}

const tokenizerJson = onnxMetadata(readFileSync(onnxFile)).get('portal.tokenizer');
if (!tokenizerJson) throw new Error(`${onnxFile} carries no tokenizer (metadata portal.tokenizer): is it a Portal text model?`);
const tokenizer = JSON.parse(tokenizerJson);
const wordPattern = '\\w+|[^\\w\\s]+';
if (tokenizer.kind !== 'word' || tokenizer.lowercase !== true || tokenizer.pattern !== wordPattern || tokenizer.paddingId !== 0 || tokenizer.unknownId !== 1) {
  throw new Error(`the tokenizer in ${onnxFile} is not the word tokenizer this script applies: ${tokenizerJson.slice(0, 200)}`);
}
const ids = new Map(tokenizer.vocabulary.map((word, id) => [word, id]));
// .NET's \w is letters, non-spacing marks, decimal digits and connector punctuation; its \s adds U+0085 to the
// separators and the ASCII controls, and leaves out U+FEFF, unlike JavaScript's.
const word = '\\p{L}\\p{Mn}\\p{Nd}\\p{Pc}';
const space = '\\f\\n\\r\\t\\v\\x85\\p{Z}';
const split = new RegExp(`[${word}]+|[^${word}${space}]+`, 'gu');
const words = (text) => text.toLowerCase().match(split) ?? [];

const labels = [];
const texts = [];
categories.forEach((category, label) => {
  for (const text of entries(readFileSync(join(directory, category), 'utf8'))) {
    texts.push(text);
    labels.push(label);
  }
});
const test = testIndices(labels, categories.length);

const summary = { texts: test.length, classes: categories.map(() => 0), tokens: 0, unknownTokens: 0, distinctWords: 0, vocabularySize: tokenizer.vocabulary.length };
const distinct = new Set();
const tokenLines = [];
const textLines = [];
for (const i of test) {
  summary.classes[labels[i]]++;
  const tokens = words(texts[i]);
  const row = new Array(rows === 'padded' ? length : Math.max(1, Math.min(tokens.length, length))).fill(0);
  tokens.forEach((w, position) => {
    const id = ids.get(w) ?? 1;
    summary.tokens++;
    if (id === 1) summary.unknownTokens++;
    distinct.add(w);
    if (position < row.length) row[position] = id;
  });
  tokenLines.push(`{"inputs":[{"name":${JSON.stringify(tokensInput)},"shape":[1,${row.length}],"datatype":"INT64","data":[${row.join(',')}]}]}`);
  textLines.push(`{"inputs":[{"name":${JSON.stringify(textInput)},"shape":[1],"datatype":"BYTES","data":[${JSON.stringify(texts[i])}]}]}`);
}
summary.distinctWords = distinct.size;
writeFileSync(tokensOut, tokenLines.join('\n') + '\n');
writeFileSync(textsOut, textLines.join('\n') + '\n');
process.stdout.write(JSON.stringify(summary) + '\n');
