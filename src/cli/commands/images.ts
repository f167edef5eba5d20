import type { Command } from 'commander';
import type { Context } from '../context.js';
import { collect } from '../parse.js';
import { registerImagesUpload } from './publish.js';
import { SELECTION_HELP } from '../catalog-selection.js';
import type { ImagesListFlags } from '../actions/images.js';

export function registerImages(program: Command, ctx: Context): void {
  const images = program.command('images').description('find, inspect and upload images (statistic maps, atlases)');

  images
    .command('list')
    .description("list images, all public ones or a collection's")
    .option('--collection <ref>', 'only this collection (id, private token or URL)')
    .option(
      '--where <expr>',
      "filter, repeatable (ANDed): f=v f!=v f>n f>=n f<n f<=n f~regex f=null; collection.<field> reads the image's collection",
      collect,
    )
    .option('--search <words>', 'select from the local catalogue by full-text search (see `neurovault search`)')
    .option('--basic', "select from the local catalogue with nilearn's default filter (MNI, unthresholded, no ROI/atlas)")
    .option('--limit <n>', 'at most n images (default 100)')
    .option('--all', 'every matching image')
    .addHelpText(
      'after',
      `
map_type, modality and analysis_level match by code or label alike (map_type=T is map_type=T map). A field name in --where, --columns or --json that no image has is an error (exit 2) that suggests the closest ones; --fields lists them.

Examples:
  $ neurovault images list --collection 1615 --all -o ndjson
  $ neurovault images list --collection 1615 --where 'map_type=T' --where 'modality~bold'
  $ neurovault images list --collection 1615 --where 'collection.DOI!=null' --columns id,name,file
  $ neurovault images list --search "n-back" --basic --where 'map_type=T map' --all -o ndjson

${SELECTION_HELP}`,
    )
    .action(async (flags: ImagesListFlags) => {
      const { runImagesList } = await import('../actions/images.js');
      await runImagesList(flags, ctx);
    });

  images
    .command('get')
    .description('one image, by id, TOKEN-id or URL')
    .argument('<ref>', 'numeric id, TOKEN-id (private collection) or an image URL')
    .option('-w, --web', 'open the image page in the browser (prints its URL when there is no display)')
    .addHelpText(
      'after',
      `
On a terminal every field that holds something is shown, one per line, uncut (file, url, collection…); piped, the default columns as tab-separated values.

Examples:
  $ neurovault images get 396069
  $ neurovault images get 396069 --json id,name,file
  $ neurovault images get https://neurovault.org/images/396069/ --columns id,name,file,file_size`,
    )
    .action(async (ref: string, flags: { web?: boolean }) => {
      const { runImagesGet } = await import('../actions/images.js');
      await runImagesGet(ref, ctx, flags.web === true);
    });

  registerImagesUpload(images, ctx);
}
