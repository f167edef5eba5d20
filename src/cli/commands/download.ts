import { Option, type Command } from 'commander';
import type { Context } from '../context.js';
import { SELECTION_HELP } from '../catalog-selection.js';
import type { DownloadFlags } from '../actions/download.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerDownload(program: Command, ctx: Context): void {
  program
    .command('download')
    .description('download images with their metadata into a nilearn-compatible folder, verified and resumable')
    .argument(
      '[ref...]',
      'collection id, collection:<id>, image:<id>, DOI (10.x/…, doi:…, https://doi.org/…), private token, or a collection/image URL',
    )
    .option('--out <dir>', 'download folder (s3://bucket/prefix streams into S3)', './neurovault_data')
    .option('--where <expr>', "only images matching, repeatable (ANDed); same syntax as 'images list --where'", collect)
    .option('--search <words>', 'without refs: images of the local catalogue matching these words')
    .option('--basic', "without refs: nilearn's default filter over the local catalogue (MNI, unthresholded, no ROI/atlas)")
    .option('--max-images <n>', 'at most n images (taken before --shard, so shards add up to the same set)')
    .option('--concurrency <n>', 'files in flight at once', '6')
    .option('--dry-run', 'print the plan (id, collection_id, bytes, path) and fetch no file')
    // aws-cli's spelling, as `s3 cp` accepts both.
    .addOption(new Option('--dryrun').hideHelp())
    .option('--shard <i/n>', 'only images whose id mod n is i (split one download across n machines)')
    .option('--lock <file>', 'write what was downloaded (ids, file URLs, modify_date, bytes, sha256 of files and metadata) to this lock file')
    .option('--frozen', 'with --lock: install exactly the lock (refs optional, no request for what is in place); exit 5 on any difference')
    .option('--force', 'fetch every file again, even those that verify')
    .addHelpText(
      'after',
      `
Layout: <out>/collection_<cid>/{collection_metadata.json, image_<iid>.nii.gz, image_<iid>_metadata.json}
and <out>/manifest.jsonl (path, bytes, sha256, modify_date, metadata per image). A re-run re-hashes the
files the manifest lists and skips those that match, without asking the server for them; it fetches again
what is missing, corrupt, or whose modify_date changed. Files are written as *.part and renamed after
their checks (size, gzip + NIfTI header, sha256); an interrupted run resumes *.part with Range requests.

Examples:
  $ neurovault download 1615 --out data/
  $ neurovault download 10.1016/j.neurobiolaging.2012.11.002 --where 'map_type=T map' --dry-run
  $ neurovault download 1952 --shard $SLURM_ARRAY_TASK_ID/8 --lock nv.lock --frozen
  $ neurovault download --search "n-back" --where 'map_type=T map' --basic --max-images 100
  $ neurovault download --lock nv.lock --frozen --out data/ --quiet     # CI: see docs/ci.md

Without refs, --search, --where and --basic select from the whole server through the local catalogue.
${SELECTION_HELP}

With --frozen, a lock written by this version (lockfileVersion 2) is the whole plan: every file is hashed
once against it and only what is missing or damaged is fetched, so a complete folder needs no request at
all (and works with --offline or while the API is down).

Exit codes: 0 all done, 1 some failed (listed on stderr), 2 bad refs or flags, 5 --frozen mismatch,
6 --offline and something is missing, 130 interrupted (*.part files kept for the next run).`,
    )
    .action(async (refs: string[], { dryrun, ...flags }: DownloadFlags & { dryrun?: boolean }) => {
      const { runDownload } = await import('../actions/download.js');
      await runDownload(refs, { ...flags, dryRun: flags.dryRun === true || dryrun === true }, ctx);
    });

  program
    .command('verify')
    .description('re-hash a download folder against its manifest.jsonl and list every mismatch')
    .argument('[dir]', 'download folder', './neurovault_data')
    .addHelpText(
      'after',
      `
Examples:
  $ neurovault verify
  $ neurovault verify data/ -o json

Exit codes: 0 every file matches, 5 a file is missing, changed or corrupt (each listed on stderr),
2 no manifest.jsonl in the folder.`,
    )
    .action(async (dir: string) => {
      const { runVerify } = await import('../actions/verify.js');
      await runVerify(dir, ctx);
    });
}
