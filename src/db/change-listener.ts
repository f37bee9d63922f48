// LISTENs on channel `rongsync_changes` (fed by the triggers) on its own connection — LISTEN
// state belongs to one session, so it can't share Prisma's pool. Reconnects with backoff when
// the connection drops and reports a '*' wake-up after reconnecting: notifications sent while it
// was away are lost, but the durable change log still holds the changes.
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { openSession } from './client.js';

export const CHANGE_CHANNEL = 'rongsync_changes';

export interface ChangeListenerEvents {
  /** A group id, or '*' for "many groups / read the change log". */
  change: [groupId: string];
  error: [error: Error];
}

export class ChangeListener extends EventEmitter<ChangeListenerEvents> {
  readonly #url: string;
  #client: pg.Client | undefined;
  #stopped = false;
  #retryMs = 250;
  #reconnectTimer: NodeJS.Timeout | undefined;

  constructor(databaseUrl: string) {
    super();
    this.#url = databaseUrl;
  }

  /**
   * Resolves after the first connection attempt. If it fails, the error is emitted and the
   * listener keeps retrying with backoff (a leader must not run without LISTEN until the next
   * leadership change); a '*' wake-up follows every (re)connect after a failure.
   */
  async start(): Promise<void> {
    this.#stopped = false;
    try {
      await this.#connect();
    } catch (e) {
      this.#failed(e);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    const c = this.#client;
    this.#client = undefined;
    await c?.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    const client = await openSession({ connectionString: this.#url, application_name: 'rongsync-listen' }, (c, e) => this.#lost(c, e));
    client.on('notification', (n) => {
      if (n.channel === CHANGE_CHANNEL) this.emit('change', n.payload || '*');
    });
    try {
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (e) {
      await client.end().catch(() => {});
      throw e;
    }
    if (this.#stopped) {
      // stop() ran while this connection was being set up: don't leave it open.
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
    this.#retryMs = 250;
  }

  #lost(client: pg.Client, error: Error): void {
    if (this.#client !== client || this.#stopped) return;
    this.#client = undefined;
    this.emit('error', error);
    client.end().catch(() => {});
    this.#retryLater();
  }

  #failed(e: unknown): void {
    this.emit('error', e instanceof Error ? e : new Error(String(e)));
    this.#retryMs = Math.min(this.#retryMs * 2, 10_000);
    this.#retryLater();
  }

  #retryLater(): void {
    if (this.#stopped) return;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = setTimeout(() => {
      if (this.#stopped) return;
      this.#connect().then(
        () => {
          if (!this.#stopped) this.emit('change', '*');
        },
        (e: unknown) => this.#failed(e),
      );
    }, this.#retryMs);
  }
}
