/**
 * The INI dialect of ~/.aws/config and ~/.aws/credentials (Python configparser as botocore uses it):
 * `[section]`, `key = value` or `key: value`, `#`/`;` comment lines, keys lower-cased, and one level of
 * nesting (`s3 =` followed by indented `key = value` lines), stored here as `s3.key`.
 */
export type IniFile = Map<string, Map<string, string>>;

export function parseIni(text: string): IniFile {
  const sections: IniFile = new Map();
  let current: Map<string, string> | undefined;
  let parent: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*([#;]|$)/.test(raw)) continue;
    const section = /^\s*\[([^\]]*)\]\s*$/.exec(raw);
    if (section) {
      const name = section[1]!.trim();
      current = sections.get(name) ?? new Map<string, string>();
      sections.set(name, current);
      parent = undefined;
      continue;
    }
    if (!current) continue;
    const m = /^(\s*)([^=:]+?)\s*[=:]\s*(.*?)\s*$/.exec(raw);
    if (!m) continue;
    const indented = m[1]!.length > 0;
    const key = m[2]!.trim().toLowerCase();
    const value = m[3]!;
    if (indented && parent !== undefined) {
      current.set(`${parent}.${key}`, value);
      continue;
    }
    current.set(key, value);
    parent = value === '' ? key : undefined;
  }
  return sections;
}
