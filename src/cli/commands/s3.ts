import { Option, type Command } from 'commander';
import type { Context } from '../context.js';
import type { Filter } from '../../s3/filters.js';
import type { S3CpFlags, S3LsFlags } from '../actions/s3.js';

const S3_ENV_HELP = `
S3 settings come from the global options --endpoint-url (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL; a custom
endpoint means path-style URLs), --region (AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else
us-east-1), --profile and --no-sign-request. Credentials in aws-cli's order: --profile, then
AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, then AWS_PROFILE, then the default profile of
~/.aws/credentials and ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE).`;

export function registerS3(program: Command, ctx: Context): void {
  const s3 = program
    .command('s3')
    .description('make buckets, list and copy objects on S3 or any S3-compatible store')
    .addHelpText('after', S3_ENV_HELP);

  s3.command('mb')
    .description('make a bucket')
    .argument('<bucket>', 's3://bucket-name')
    .addHelpText(
      'after',
      `
Examples:
  $ neurovault s3 mb s3://my-training-data
  $ neurovault s3 mb s3://my-training-data --region eu-west-1
  $ neurovault --endpoint-url http://127.0.0.1:4569 s3 mb s3://scratch`,
    )
    .action(async (uri: string) => {
      const { runMb } = await import('../actions/s3.js');
      await runMb(uri, ctx);
    });

  s3.command('ls')
    .description('list buckets, or the objects and prefixes under s3://bucket[/prefix]')
    .argument('[uri]', 's3://bucket[/prefix]; none lists your buckets')
    .option('--recursive', 'every key under the prefix, not just one level')
    .option('--page-size <n>', 'keys per list request (1-1000)')
    .option('--human-readable', 'sizes as KiB/MiB/GiB')
    .option('--summarize', 'end with the object count and total size')
    .addHelpText(
      'after',
      `
Output is aws-cli's ("PRE dir/" and "date time size key" lines) unless -o json|ndjson|csv|tsv asks for records.

Examples:
  $ neurovault s3 ls
  $ neurovault s3 ls s3://my-training-data/collection_1615/
  $ neurovault s3 ls s3://my-training-data --recursive -o ndjson`,
    )
    .action(async (uri: string | undefined, flags: S3LsFlags) => {
      const { runLs } = await import('../actions/s3.js');
      await runLs(uri, flags, ctx);
    });

  const filters: Filter[] = [];
  const addFilter = (type: Filter['type']) => (pattern: string) => {
    filters.push({ type, pattern });
    return pattern;
  };
  s3.command('cp')
    .description('copy files to, from or between S3 locations ("-" is stdin/stdout)')
    .argument('<src>', 'local path, s3://bucket/key or -')
    .argument('<dst>', 'local path, s3://bucket/key or -; ending in / means "into this directory/prefix"')
    .option('--recursive', 'copy a whole directory or prefix')
    .option('--include <pattern>', 'copy paths matching this glob (* ? [seq] [!seq]); repeatable, later filters win', addFilter('include'))
    .option('--exclude <pattern>', 'skip paths matching this glob; repeatable, later filters win', addFilter('exclude'))
    .option('--dry-run', 'show what would be copied, copy nothing (aws-cli\'s --dryrun works too)')
    .addOption(new Option('--dryrun').hideHelp())
    .option('--content-type <type>', 'Content-Type of uploads (default: guessed from the file extension)')
    .option('--no-guess-mime-type', 'do not guess Content-Type from the extension')
    .option('--cache-control <value>', 'Cache-Control of uploads')
    .option('--content-disposition <value>', 'Content-Disposition of uploads')
    .option('--content-encoding <value>', 'Content-Encoding of uploads')
    .option('--content-language <value>', 'Content-Language of uploads')
    .option('--metadata <key=value>', 'user metadata (x-amz-meta-*), repeatable or comma-separated', (v: string, prev: string[] = []) => [...prev, v])
    .addOption(
      new Option('--acl <acl>', 'canned ACL').choices([
        'private',
        'public-read',
        'public-read-write',
        'authenticated-read',
        'aws-exec-read',
        'bucket-owner-read',
        'bucket-owner-full-control',
        'log-delivery-write',
      ]),
    )
    .addOption(
      new Option('--storage-class <class>', 'storage class of uploads').choices([
        'STANDARD',
        'REDUCED_REDUNDANCY',
        'STANDARD_IA',
        'ONEZONE_IA',
        'INTELLIGENT_TIERING',
        'GLACIER',
        'DEEP_ARCHIVE',
        'GLACIER_IR',
      ]),
    )
    .option('--multipart-threshold <size>', 'objects of this size or more go multipart / ranged (default 8MB = 8 MiB)')
    .option('--part-size <size>', 'multipart part and download range size, at least 5MB (default 8MB)')
    .option('--concurrency <n>', 'requests in flight, across files and parts (default 10)')
    .addOption(new Option('--checksum <algorithm>', 'integrity header on uploads: crc32 (x-amz-checksum-crc32), md5 (Content-MD5) or none').choices(['crc32', 'md5', 'none']))
    .option('--no-follow-symlinks', 'skip symbolic links when uploading a directory')
    .option('--only-show-errors', 'print nothing but errors')
    .addHelpText(
      'after',
      `
Each transfer is reported on stderr ("upload: ./f to s3://b/k"); with -o json, an array of them goes to stdout.
Uploads above --multipart-threshold go up in --part-size parts; downloads come down as parallel ranged GETs into
a hidden .<file>.<random>.nvpart, renamed when complete. Object bodies are sent UNSIGNED-PAYLOAD with a signed
CRC32 checksum header.

Examples:
  $ neurovault s3 cp sub-01_bold.nii.gz s3://my-training-data/raw/
  $ neurovault s3 cp ./derivatives s3://my-training-data/derivatives --recursive --exclude '*' --include '*.nii.gz'
  $ neurovault s3 cp s3://my-training-data/manifest.jsonl - | head`,
    )
    .action(async (src: string, dst: string, flags: Omit<S3CpFlags, 'filters'> & { dryRun?: boolean }) => {
      const { runCp } = await import('../actions/s3.js');
      const { dryRun, ...rest } = flags;
      await runCp(src, dst, { ...rest, dryrun: rest.dryrun === true || dryRun === true, filters }, ctx);
    });
}
