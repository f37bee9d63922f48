// LISTENs on the change channel (as rongsync's role) and collects the payloads, for trigger tests.
import pg from 'pg';
import { CHANGE_CHANNEL } from '../../src/db/change-listener.js';
import type { TestDatabase } from './database.js';

export interface ChangeNotifications {
  /**
   * The payloads received since the last call, once a marker sent now has arrived: NOTIFYs of
   * committed transactions are delivered in commit order, so everything sent before it is in.
   */
  settle(): Promise<string[]>;
  close(): Promise<void>;
}

export async function listenForChanges(t: TestDatabase): Promise<ChangeNotifications> {
  let received: string[] = [];
  const waiters: Array<() => void> = [];
  const listener = new pg.Client({ connectionString: t.url });
  await listener.connect();
  listener.on('notification', (n) => {
    received.push(n.payload ?? '');
    for (const w of waiters.splice(0)) w();
  });
  await listener.query(`LISTEN ${CHANGE_CHANNEL}`);
  return {
    async settle() {
      const marker = `marker-${Math.random()}`;
      const arrived = new Promise<void>((resolve) => {
        const check = () => (received.includes(marker) ? resolve() : waiters.push(check));
        waiters.push(check);
      });
      await t.sql(`SELECT pg_notify('${CHANGE_CHANNEL}', $1)`, [marker]);
      await arrived;
      const got = received.filter((p) => p !== marker);
      received = [];
      return got;
    },
    close: () => listener.end(),
  };
}
