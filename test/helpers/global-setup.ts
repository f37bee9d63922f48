// Fails fast, with the fix, when Postgres is not reachable; drops databases left behind by
// crashed earlier runs (older than an hour).
import pg from 'pg';
import { adminUrl } from './database.js';

export async function setup(): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl() });
  try {
    await client.connect();
  } catch (e) {
    throw new Error(
      `tests need Postgres at ${adminUrl()} (set TEST_DATABASE_URL to another server): ${(e as Error).message}\n` +
        `Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`,
    );
  }
  try {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'rs\\_test\\_%'`,
    );
    const cutoff = Date.now() - 3600_000;
    for (const { datname } of rows) {
      const ts = Number(datname.split('_')[2]);
      if (Number.isFinite(ts) && ts < cutoff) {
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
      }
    }
  } finally {
    await client.end();
  }
}
