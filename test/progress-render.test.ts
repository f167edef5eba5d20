import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import {
  RateMeter,
  describeRetry,
  fit,
  formatEta,
  renderBar,
  renderSpinner,
  shortReason,
  type BarState,
} from '../src/output/progress-render.js';
import { LiveLine } from '../src/output/progress-line.js';
import type { IO } from '../src/output/io.js';
import { terminalWidth } from '../src/output/text.js';

const MiB = 1024 * 1024;

const midway: BarState = {
  label: 'downloading',
  filesDone: 260,
  filesTotal: 500,
  filesFailed: 0,
  bytesDone: 50.8 * MiB,
  bytesTotal: 97.7 * MiB,
  rate: 12.1 * MiB,
  etaMs: 3_870,
  frame: 0,
};

const chars = (s: string) => Array.from(s).length;

describe('progress bar rendering (state → line)', () => {
  for (const width of [40, 80, 120]) {
    test(`at ${width} columns: never longer than the width; done/total, % and ETA always, the rest from 80`, () => {
      const line = renderBar(midway, width);
      assert.ok(chars(line) <= width, `${chars(line)} > ${width}: ${line}`);
      assert.match(line, /260\/500/);
      assert.match(line, / 51%/);
      assert.match(line, /ETA 4s/);
      if (width >= 80) {
        assert.match(line, /█+░+/);
        assert.match(line, /^⠋ downloading /);
        assert.match(line, /260\/500 files/);
        assert.match(line, /50\.8\/97\.7 MiB/);
        assert.match(line, /12\.1 MiB\/s/);
      }
    });
  }

  test('the whole line on an 80-column terminal (77 drawn), as the README shows it', () => {
    assert.equal(
      renderBar(midway, 77),
      '⠋ downloading ████░░░  51%  260/500 files  50.8/97.7 MiB  12.1 MiB/s  ETA 4s',
    );
  });

  test('the bar keeps its length from frame to frame while the numbers change', () => {
    const barOf = (s: BarState) => /[█░]+/.exec(renderBar(s, 80))![0].length;
    const early = { ...midway, filesDone: 3, bytesDone: 100_000, rate: 0, etaMs: undefined };
    const late = { ...midway, filesDone: 499, bytesDone: 97.6 * MiB, rate: 120 * MiB, etaMs: 41_000 };
    assert.equal(barOf(early), barOf(midway));
    assert.equal(barOf(late), barOf(midway));
  });

  test('narrow terminals keep the essentials and never overflow, down to 10 columns', () => {
    for (let width = 10; width <= 200; width++) {
      for (const s of [midway, { ...midway, filesFailed: 12, note: 'retry 2/4 in 1.2s: 502: Bad Gateway' }]) {
        const line = renderBar(s, width);
        assert.ok(chars(line) <= width, `width ${width}: ${line}`);
        if (width >= 30) assert.match(line, /260\/500/, `width ${width}: ${line}`);
      }
    }
  });

  test('unknown sizes: the percentage counts files, the bytes show what arrived', () => {
    const line = renderBar({ ...midway, bytesTotal: undefined }, 100);
    assert.match(line, / 52% /); // 260 of 500 files, not 51% of the bytes
    assert.match(line, /50\.8 MiB/);
  });

  test('a retry note takes the place of bytes, rate and ETA, cut to the width', () => {
    const note = describeRetry({ attempt: 2, delayMs: 1200, reason: 'GET http://127.0.0.1:9/api/images/?limit=1000: 502: Bad Gateway' }, 4);
    assert.equal(note, 'retry 2/4 in 1.2s: 502: Bad Gateway');
    assert.equal(renderBar({ ...midway, note }, 77), '⠋ downloading ████░░░  51%  260/500 files · retry 2/4 in 1.2s: 502: Bad Gate…');
    assert.match(renderBar({ ...midway, note }, 120), /51% {2}260\/500 files · retry 2\/4 in 1\.2s: 502: Bad Gateway$/);
  });

  test('failed files are counted on the line', () => {
    assert.match(renderBar({ ...midway, filesFailed: 3 }, 100), /260\/500 files \(3 failed\)/);
  });

  test('spinner: frame, text, elapsed seconds and a note, cut with an ellipsis', () => {
    assert.equal(renderSpinner(1, 'listing collections', 80), '⠙ listing collections');
    assert.equal(renderSpinner(0, 'looking up DOI 10.1/x', 80, 3_400, 'retry 1/4 in 0.3s: 503: down'), '⠋ looking up DOI 10.1/x · 3s · retry 1/4 in 0.3s: 503: down');
    const cut = renderSpinner(0, 'x'.repeat(100), 40);
    assert.equal(chars(cut), 40);
    assert.ok(cut.endsWith('…'));
  });

  test('ETA, fit and reasons', () => {
    assert.equal(formatEta(0), 'ETA 0s');
    assert.equal(formatEta(200), 'ETA 1s');
    assert.equal(formatEta(58_400), 'ETA 59s');
    assert.equal(formatEta(185_000), 'ETA 3m05s');
    assert.equal(formatEta(7_620_000), 'ETA 2h07m');
    assert.equal(fit('abcdef', 4), 'abc…');
    assert.equal(fit('abc', 4), 'abc');
    assert.equal(shortReason('GET http://h/x?y=1: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9'), 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9');
  });
});

describe('rate meter', () => {
  test('the rate follows the last seconds, not the average since the start', () => {
    const m = new RateMeter(5_000);
    assert.equal(m.rate, 0);
    assert.equal(m.eta(100), undefined);
    // 10 s at 1 MB/s, then 10 s at 100 kB/s.
    for (let t = 0; t <= 10_000; t += 100) m.sample(t, t * 1_000);
    for (let t = 10_100; t <= 20_000; t += 100) m.sample(t, 10_000_000 + (t - 10_000) * 100);
    assert.ok(Math.abs(m.rate - 100_000) < 1, String(m.rate));
    assert.equal(Math.round(m.eta(1_000_000)!), 10_000);
    assert.equal(m.eta(0), 0);
  });
});

describe('live line', () => {
  function sink(columns?: number) {
    let out = '';
    const stderr = Object.assign(
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          out += chunk.toString('utf8');
          cb();
        },
      }),
      { columns },
    );
    const io = { stderr } as unknown as IO;
    return { io, text: () => out };
  }

  test('width: the stream, else COLUMNS, else 80', () => {
    assert.equal(terminalWidth(120, {}), 120);
    assert.equal(terminalWidth(0, { COLUMNS: '60' }), 60);
    assert.equal(terminalWidth(undefined, { COLUMNS: 'x' }), 80);
  });

  test('draws three columns short of the width (room for an echoed ^C), puts notes above, erases itself when stopped', async () => {
    const s = sink(20);
    const line = new LiveLine(s.io, {}, (width) => `⠋ ${'y'.repeat(width - 2)}`).start();
    await line.started;
    line.note('a notice');
    line.stop();
    line.stop();
    // ora paints each frame between synchronized-output brackets (DEC mode 2026; ignored where unsupported).
    const frame = `\x1b[?2026h\r⠋ ${'y'.repeat(15)}\x1b[?2026l`;
    assert.equal(s.text(), `${frame}\r\x1b[2Ka notice\n${frame}\r\x1b[2K`);
  });

  test('a delayed line that stops before its delay writes nothing', () => {
    const s = sink(80);
    const line = new LiveLine(s.io, {}, () => 'never').start(10_000);
    line.note('only this');
    line.stop();
    assert.equal(s.text(), 'only this\n');
  });
});

test('no rate yet (the first moments, a verify of a few big files): blank, never "0 B/s  ETA --"; the widths hold', () => {
  const waiting = renderBar({ ...midway, rate: 0, etaMs: undefined }, 100);
  assert.doesNotMatch(waiting, /0 B\/s|ETA --/);
  assert.match(waiting, /50\.8\/97\.7 MiB$/);
  const moving = renderBar(midway, 100);
  assert.equal(waiting.indexOf('MiB'), moving.indexOf('MiB'), 'the bar keeps its length');
});
