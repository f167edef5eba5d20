/**
 * aws-cli's --include/--exclude: every file starts included, each filter that matches the path relative
 * to the source sets include or exclude, and the last match wins, so `--exclude '*' --include '*.txt'`
 * keeps only .txt files while the reverse order keeps nothing. Patterns are fnmatch globs (`*` also
 * crosses `/`, `?`, `[seq]`, `[!seq]`).
 */
export interface Filter {
  type: 'include' | 'exclude';
  pattern: string;
}

export type PathFilter = (relativePath: string) => boolean;

export function compileFilters(filters: readonly Filter[]): PathFilter {
  if (filters.length === 0) return () => true;
  const compiled = filters.map((f) => ({ include: f.type === 'include', re: globToRegExp(f.pattern) }));
  return (rel) => {
    let included = true;
    for (const f of compiled) if (f.re.test(rel)) included = f.include;
    return included;
  };
}

/** Python's fnmatch.translate, minus its case folding on Windows. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '!') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j++;
      if (j >= pattern.length) re += '\\[';
      else {
        let body = pattern.slice(i + 1, j).replace(/\\/g, '\\\\').replace(/]/g, '\\]');
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        else if (body.startsWith('^')) body = `\\${body}`;
        re += `[${body}]`;
        i = j;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
