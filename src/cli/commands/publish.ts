import { Option, type Command } from 'commander';
import type { Context } from '../context.js';
import type { CollectionsCreateOptions, ImagesUploadOptions } from '../actions/publish.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `collections create`; the implementation is loaded only when the command runs. */
export function registerCollectionsCreate(collections: Command, ctx: Context): void {
  collections
    .command('create')
    .description('create a collection (needs a token); prints it per -o')
    .addOption(new Option('--name <name>', 'collection name (unique on the server)').conflicts('doi'))
    .addOption(new Option('--doi <doi>', 'paper DOI; the server fills name, authors and journal from Crossref'))
    .option('--description <text>', 'free-text description')
    .option('--private', 'private collection, reachable only through its 8-letter token')
    .option(
      '--field <key=value>',
      'any other writable collection field, repeatable; key:=<json> sends a JSON value (e.g. communities:=[3])',
      collect,
    )
    .addHelpText(
      'after',
      `
Exactly one of --name or --doi is required. A private collection's token is printed on stderr (and is
part of its url); use it, not the numeric id, to upload into it.

Examples:
  $ neurovault collections create --name "Ageing VBM maps" --description "Group T maps" --field coordinate_space=mni
  $ neurovault collections create --doi 10.1016/j.neurobiolaging.2012.11.002 -o json
  $ neurovault collections create --name "Pilot" --private --field number_of_experimental_units=12`,
    )
    .action(async (opts: CollectionsCreateOptions) => {
      const { runCollectionsCreate } = await import('../actions/publish.js');
      await runCollectionsCreate(opts, ctx);
    });
}

/** `images upload`; the implementation is loaded only when the command runs. */
export function registerImagesUpload(images: Command, ctx: Context): void {
  images
    .command('upload')
    .description('upload NIfTI statistic maps into a collection (needs a token)')
    .argument('<file...>', '.nii.gz or .nii files (a plain .nii is gzipped before upload)')
    .requiredOption('--collection <id|token>', 'collection id, 8-letter private token, or collection URL')
    .option('--map-type <code|label>', 'T, Z, F, X2, P, IP, M, U, R, Pa, A, V, Other, or the label ("T map")')
    .option('--modality <modality>', 'fMRI-BOLD, fMRI-CBF, fMRI-CBV, "Diffusion MRI", "Structural MRI", "PET FDG", "PET [15O]-water", "PET other", MEG, EEG, Other')
    .option('--name <name>', 'image name (one file only; default: the file name without .nii.gz/.nii)')
    .option('--analysis-level <code|label>', 'S (single-subject), G (group), M (meta-analysis), Other')
    .option('--meta <key=value>', 'another form field or user-defined metadata, repeatable', collect)
    .option('--meta-file <file.json>', 'a JSON object of metadata fields (--meta wins on the same key)')
    .option('--skip-existing', 'skip a file whose name is already in the collection with the same size')
    .addHelpText(
      'after',
      `
Every file is checked before the first request (exists, readable, not empty, NIfTI header) and the
choices are checked against the server's tables; any problem exits 2 with nothing sent. Files are
streamed from disk. An upload is retried only when the connection failed before it was sent, so a
failure never creates a duplicate; re-run with --skip-existing to finish an interrupted batch.
The created images go to stdout (-o json: an array).

Examples:
  $ neurovault images upload --collection 1234 tstat1.nii.gz --map-type T --modality fMRI-BOLD
  $ neurovault images upload --collection ABCDEFGH maps/*.nii.gz --map-type "Z map" --modality fMRI-BOLD --analysis-level group --skip-existing
  $ neurovault images upload --collection 1234 zstat.nii --map-type Z --modality fMRI-BOLD --meta number_of_subjects=24 --meta-file extra.json -o json`,
    )
    .action(async (files: string[], opts: ImagesUploadOptions) => {
      const { runImagesUpload } = await import('../actions/publish.js');
      await runImagesUpload(files, opts, ctx);
    });
}
