/**
 * Content-Type from the file name, for the types a neuroimaging/ML bucket holds. Unknown extensions get
 * no header, so S3 applies its default (binary/octet-stream), as aws-cli does.
 */
const TYPES: Record<string, string> = {
  '.nii.gz': 'application/gzip',
  '.gz': 'application/gzip',
  '.tgz': 'application/gzip',
  '.zip': 'application/zip',
  '.tar': 'application/x-tar',
  '.bz2': 'application/x-bzip2',
  '.zst': 'application/zstd',
  '.nii': 'application/octet-stream',
  '.bin': 'application/octet-stream',
  '.npy': 'application/octet-stream',
  '.npz': 'application/zip',
  '.h5': 'application/x-hdf5',
  '.hdf5': 'application/x-hdf5',
  '.parquet': 'application/vnd.apache.parquet',
  '.json': 'application/json',
  '.jsonl': 'application/jsonl',
  '.ndjson': 'application/x-ndjson',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.xml': 'application/xml',
  '.gii': 'application/xml',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.webp': 'image/webp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.mp4': 'video/mp4',
};

export function guessContentType(name: string): string | undefined {
  const lower = name.toLowerCase();
  const base = lower.slice(lower.lastIndexOf('/') + 1);
  for (let dot = base.indexOf('.'); dot >= 0; dot = base.indexOf('.', dot + 1)) {
    const type = TYPES[base.slice(dot)];
    if (type) return type;
  }
  return undefined;
}
