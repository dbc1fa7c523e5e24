// A progress bar with rate and ETA on stderr, for anything long. Drawn in place (10 times a second
// at most) when stderr is a terminal; with --progress and no terminal, one line a second instead, so
// a log file gets a readable trace. Otherwise it writes nothing: stdout stays the data.

const BAR = 24;

export function fmtNumber(n) {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtDuration(s) {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.ceil(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** One line: `label [#####-----]  45%  1,234/2,740 events  820/s  ETA 2s`. Pure. */
export function progressLine(label, done, total, elapsedMs, unit = 'events') {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const known = total > 0;
  const share = known ? Math.min(1, done / total) : 0;
  const filled = Math.round(share * BAR);
  const bar = known ? `[${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%  ` : '';
  const count = known ? `${fmtNumber(done)}/${fmtNumber(total)}` : fmtNumber(done);
  const eta = known && rate > 0 ? `  ETA ${fmtDuration((total - done) / rate)}` : '';
  return `${label} ${bar}${count} ${unit}  ${fmtNumber(rate)}/s${eta}`;
}

/** `enabled`: --progress, else whether stderr is a terminal. */
export function progress(label, total, { enabled = process.stderr.isTTY, stream = process.stderr, unit = 'events' } = {}) {
  const started = Date.now();
  let done = 0;
  let drawn = 0;
  const tty = Boolean(stream.isTTY);
  const draw = (final) => {
    const line = progressLine(label, done, total, Date.now() - started, unit);
    stream.write(tty ? `\r${line}\x1b[K${final ? '\n' : ''}` : `${line}\n`);
    drawn = Date.now();
  };
  return {
    add(n) {
      done += n;
      if (enabled && Date.now() - drawn >= (tty ? 100 : 1000)) draw(false);
    },
    /** A total learnt late (or grown, as with --follow). */
    setTotal(n) {
      total = n;
    },
    done() {
      if (enabled) draw(true);
    },
  };
}
