#!/usr/bin/env node
// Baselines for the DOI benchmark: nilearn's way (`_scroll_server_results`): send ?DOI=, follow `next`
// 100 at a time, one page after another, and match the DOI locally; with a third argument (1000), the
// same walk in the server's largest pages, still one after another.
//   node bench/follow-next.mjs <base url> <doi> [page size, default 100]
const [base, doi, size = '100'] = process.argv.slice(2);
let url = `${base}/api/collections/?DOI=${encodeURIComponent(doi)}&limit=${size}`;
const matches = [];
while (url) {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  const page = await res.json();
  for (const c of page.results) if (typeof c.DOI === 'string' && c.DOI.toLowerCase() === doi.toLowerCase()) matches.push(c);
  url = page.next;
}
process.stdout.write(`${JSON.stringify(matches)}\n`);
