// Standalone stand-in for benchmarks and manual poking:
//   node dist/test/standin/cli.js [--port N] [--collections N] [--images-per-collection N]
//     [--api-latency ms] [--file-latency ms] [--file-bytes N] [--file-origin same|separate]
//     [--doi-filter ignored|honoured] [--files N --file-collection-size N]
//     [--population-collections N --population-images N] (a NeuroVault-sized population, population.ts)
// Prints one JSON line once listening; runs until SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { startStandin } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    collections: { type: 'string' },
    'images-per-collection': { type: 'string' },
    'api-latency': { type: 'string' },
    'file-latency': { type: 'string' },
    'file-bytes': { type: 'string' },
    'file-origin': { type: 'string' },
    'doi-filter': { type: 'string' },
    files: { type: 'string' },
    'file-collection-size': { type: 'string' },
    'population-collections': { type: 'string' },
    'population-images': { type: 'string' },
  },
  strict: true,
});

const num = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) { process.stderr.write(`invalid --${name}: ${v}\n`); process.exit(2); }
  return n;
};

const fileOrigin = values['file-origin'];
const doiFilter = values['doi-filter'];
const standin = await startStandin({
  ...(values.port !== undefined ? { port: num(values.port, 'port')! } : {}),
  collections: num(values.collections, 'collections') ?? 20,
  imagesPerCollection: num(values['images-per-collection'], 'images-per-collection') ?? 3,
  apiLatencyMs: num(values['api-latency'], 'api-latency') ?? 0,
  fileLatencyMs: num(values['file-latency'], 'file-latency') ?? 0,
  fileBytes: num(values['file-bytes'], 'file-bytes') ?? 2048,
  fileOrigin: fileOrigin === 'separate' ? 'separate' : 'same',
  doiFilter: doiFilter === 'honoured' ? 'honoured' : 'ignored',
  ...(values['population-collections'] !== undefined
    ? { population: { collections: num(values['population-collections'], 'population-collections')!, images: num(values['population-images'], 'population-images') ?? 0 } }
    : {}),
});

const out: Record<string, unknown> = {
  url: standin.url,
  fileUrl: standin.fileUrl,
  token: standin.store.users[0]?.token,
  seedDoiCollectionId: standin.seedDoiCollectionId,
  seedDoi: standin.collection(standin.seedDoiCollectionId)?.DOI,
  bigCollectionId: standin.bigCollectionId,
  sixtyCollectionId: standin.sixtyCollectionId,
  privateToken: standin.privateToken,
};

const files = num(values.files, 'files');
if (files) {
  // one collection for download benchmarks; --file-collection-size = bytes per file there (default --file-bytes, else 200 KiB)
  const size = num(values['file-collection-size'], 'file-collection-size') ?? num(values['file-bytes'], 'file-bytes') ?? 200 * 1024;
  const { collection, images } = standin.addCollection(
    { name: `Benchmark collection (${files} files)`, DOI: '10.9999/benchmark.files' },
    Array.from({ length: files }, (_, i) => ({ $fileBytes: size, $filename: `bench_${String(i + 1).padStart(5, '0')}.nii.gz` })),
  );
  // generate the bytes now so the first benchmark run does not time the stand-in's file generation
  for (const im of images) standin.fileBody(im.id as number);
  out.filesCollectionId = collection.id;
  out.filesCollectionDoi = collection.DOI;
}

process.stdout.write(`${JSON.stringify(out)}\n`);

const stop = () => { void standin.close().then(() => process.exit(0)); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
