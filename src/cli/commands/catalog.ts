import type { Command } from 'commander';
import type { Context } from '../context.js';
import { collect } from '../parse.js';
import type { SearchFlags } from '../actions/search.js';
import type { CatalogSyncFlags } from '../actions/catalog.js';

/** `catalog sync|status|path` and `search`: the local metadata catalogue (issue 10). */
export function registerCatalog(program: Command, ctx: Context): void {
  const catalog = program
    .command('catalog')
    .description('a local copy of the metadata of every public collection and image, for search and selections');

  catalog
    .command('sync')
    .description('fetch the metadata of every public collection and image into the local catalogue')
    .option('--page-size <n>', 'items per request (the server allows at most 1000)', '1000')
    .option('--concurrency <n>', 'requests in flight (1-4; the server has 4 workers, leave some for everyone else)', '3')
    .addHelpText(
      'after',
      `
About 10,000 collections and 270,000 images: ~300 requests of 1000 items, gzip-compressed. The new
catalogue replaces the old one only when complete (searches keep working meanwhile); an interrupted sync
(Ctrl-C, network failure) continues where it stopped when run again.

Examples:
  $ neurovault catalog sync
  $ neurovault catalog status`,
    )
    .action(async (flags: CatalogSyncFlags) => {
      const { runCatalogSync } = await import('../actions/catalog.js');
      await runCatalogSync(flags, ctx);
    });

  catalog
    .command('status')
    .description('age, counts, size and server of the local catalogue')
    .action(async () => {
      const { runCatalogStatus } = await import('../actions/catalog.js');
      await runCatalogStatus(ctx);
    });

  catalog
    .command('path')
    .description('print the catalogue file (SQLite) for the current server')
    .action(async () => {
      const { runCatalogPath } = await import('../actions/catalog.js');
      await runCatalogPath(ctx);
    });

  program
    .command('search')
    .description('ranked full-text search of the local catalogue (collections and images)')
    .argument('<words...>', 'words (all must match); "a phrase"; prefix*; OR / NOT between words')
    .option('--images', 'only images')
    .option('--collections', 'only collections')
    .option('--where <expr>', "filter on any field, repeatable (ANDed); same syntax as 'images list --where'", collect)
    .option('--limit <n>', 'at most n results (default 20)')
    .option('--all', 'every result')
    .addHelpText(
      'after',
      `
Collections are searched in name, description, authors, journal and DOI; images in name, description,
contrast definition, cognitive paradigm and contrast, task, map type and modality. A match in a name ranks
highest (BM25). Words are stemmed (memory matches memories). Needs \`neurovault catalog sync\` once.

Examples:
  $ neurovault search working memory
  $ neurovault search '"working memory"' --images --where 'map_type=T map'
  $ neurovault search 'emotion*' --collections -o json
  $ neurovault search n-back --where 'collection.DOI!=null' --columns id,collection_id,name`,
    )
    .action(async (words: string[], flags: SearchFlags) => {
      const { runSearch } = await import('../actions/search.js');
      await runSearch(words, flags, ctx);
    });
}
