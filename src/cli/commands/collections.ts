import type { Command } from 'commander';
import type { Context } from '../context.js';
import { collect } from '../parse.js';
import { registerCollectionsCreate } from './publish.js';
import type { CollectionsListFlags } from '../actions/collections.js';

export function registerCollections(program: Command, ctx: Context): void {
  const collections = program.command('collections').description('find and inspect collections');

  collections
    .command('list')
    .description('list public collections, or find them by DOI, name or owner')
    .option('--doi <doi>', 'collections of this paper (10.x/…, doi:10.x/…, https://doi.org/10.x/…); exit 4 when none')
    .option('--name <text>', 'exact collection name (case-insensitive)')
    .option('--owner <id>', 'owner user id')
    .option('--where <expr>', 'filter on any field, repeatable (ANDed): f=v f!=v f>n f>=n f<n f<=n f~regex f=null', collect)
    .option('--limit <n>', 'at most n collections (default 100)')
    .option('--all', 'every matching collection')
    .option('--no-cache', 'ignore the cached DOI index (refreshed after every full scan; used for 24 h)')
    .addHelpText(
      'after',
      `
On a terminal the list is a table fitted to its width, with sizes and dates made readable, and a note on stderr when --limit cut it short; piped, it is tab-separated with every value as the server sent it. A field name in --where, --columns or --json that no collection has is an error (exit 2) that suggests the closest ones; --fields lists them.

Examples:
  $ neurovault collections list --doi 10.1016/j.neurobiolaging.2012.11.002
  $ neurovault collections list --doi https://doi.org/10.1016/J.NEUROBIOLAGING.2012.11.002 -o json
  $ neurovault collections list --all --where 'number_of_images>=100' --columns id,name,DOI -o csv
  $ neurovault collections list --all --json id,name,DOI --jq '.[] | select(.DOI != null) | .DOI'`,
    )
    .action(async (flags: CollectionsListFlags) => {
      const { runCollectionsList } = await import('../actions/collections.js');
      await runCollectionsList(flags, ctx);
    });

  collections
    .command('get')
    .description('one collection, by id, private token or URL')
    .argument('<ref>', 'numeric id, 8-letter private token, or a collection URL')
    .option('-w, --web', 'open the collection page in the browser (prints its URL when there is no display)')
    .addHelpText(
      'after',
      `
On a terminal every field that holds something is shown, one per line, uncut (authors, paper, URLs…); piped, the default columns as tab-separated values.

Examples:
  $ neurovault collections get 1615
  $ neurovault collections get 1615 -o json
  $ neurovault collections get https://neurovault.org/collections/1615/ --web`,
    )
    .action(async (ref: string, flags: { web?: boolean }) => {
      const { runCollectionsGet } = await import('../actions/collections.js');
      await runCollectionsGet(ref, ctx, flags.web === true);
    });

  registerCollectionsCreate(collections, ctx);
}
