#!/usr/bin/env node
// Baseline for the DOI benchmark: nilearn's way (`_scroll_server_results`): send ?DOI=, follow `next`
// 100 at a time, one page after another, and match the DOI locally.
const [base, doi] = process.argv.slice(2);
let url = `${base}/api/collections/?DOI=${encodeURIComponent(doi)}&limit=100`;
const matches = [];
while (url) {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  const page = await res.json();
  for (const c of page.results) if (typeof c.DOI === 'string' && c.DOI.toLowerCase() === doi.toLowerCase()) matches.push(c);
  url = page.next;
}
process.stdout.write(`${JSON.stringify(matches)}\n`);
