// The `--out s3://` hook that open-sink.ts loads by scheme; the sink itself lives with the S3 code.
export { createSink } from '../s3/download-sink.js';
