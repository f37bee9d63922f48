// Preloaded into a benched CLI process (`node --import ./bench/count-queries-preload.mjs …`):
// counts the statements it sends to Postgres (every pg Client.query, which Prisma's adapter uses
// too) by their first words, and prints the counts to stderr at exit.
import pg from 'pg';

const counts = new Map();
const original = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, ...rest) {
  const text = typeof config === 'string' ? config : (config?.text ?? '');
  const key = text.replace(/\s+/g, ' ').trim().slice(0, 60);
  counts.set(key, (counts.get(key) ?? 0) + 1);
  return original.call(this, config, ...rest);
};
process.on('exit', () => {
  const rows = [...counts].sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((n, [, c]) => n + c, 0);
  process.stderr.write(`\nqueries sent: ${total}\n${rows.slice(0, 25).map(([k, c]) => `${String(c).padStart(8)}  ${k}`).join('\n')}\n`);
});
