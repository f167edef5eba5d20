import type { Command } from 'commander';
import type { Context } from '../context.js';
import { collect } from '../parse.js';
import { registerCollectionsCreate } from './publish.js';

export interface CollectionsListFlags {
  doi?: string;
  name?: string;
  owner?: string;
  limit?: string;
  all?: boolean;
  where?: string[];
  cache?: boolean;
}

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
Examples:
  $ neurovault collections list --doi 10.1016/j.neurobiolaging.2012.11.002
  $ neurovault collections list --doi https://doi.org/10.1016/J.NEUROBIOLAGING.2012.11.002 -o json
  $ neurovault collections list --all --where 'number_of_images>=100' --columns id,name,DOI -o csv`,
    )
    .action(async (flags: CollectionsListFlags) => {
      const { runCollectionsList } = await import('../actions/collections.js');
      await runCollectionsList(flags, ctx);
    });

  collections
    .command('get')
    .description('one collection, by id, private token or URL')
    .argument('<ref>', 'numeric id, 8-letter private token, or a collection URL')
    .addHelpText(
      'after',
      `
Examples:
  $ neurovault collections get 1615 -o json
  $ neurovault collections get https://neurovault.org/collections/1615/`,
    )
    .action(async (ref: string) => {
      const { runCollectionsGet } = await import('../actions/collections.js');
      await runCollectionsGet(ref, ctx);
    });

  registerCollectionsCreate(collections, ctx);
}
