import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../src/generated/prisma/client.js';
const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/h2_empty' });
const base = new PrismaClient({ adapter: new PrismaPg(pool) });
const seen: string[] = [];
const prisma = base.$extends({ query: { async $allOperations({ operation, model, args, query }) {
  try { return await query(args); } catch (e) { seen.push(`${model}.${operation}`); throw new Error('translated: ' + (e as Error).message.slice(-60)); }
} } }) as unknown as PrismaClient;
for (const [n, f] of [
  ['model', () => prisma.run.findFirst()],
  ['raw', () => prisma.$queryRaw`SELECT * FROM nope`],
  ['exec', () => prisma.$executeRaw`DELETE FROM nope`],
  ['rawUnsafe', () => prisma.$queryRawUnsafe('SELECT * FROM nope')],
  ['batch tx', () => prisma.$transaction([prisma.run.findFirst()])],
  ['itx', () => prisma.$transaction(async (tx) => tx.$queryRaw`SELECT * FROM nope`)],
  ['itx-model', () => prisma.$transaction(async (tx) => tx.run.findFirst())],
] as const) {
  try { await (f as any)(); console.log(n, 'ok'); } catch (e) { console.log(n, '->', (e as Error).message.split('\n').slice(0,2).join(' | ')); }
}
console.log(seen);
await base.$disconnect(); await pool.end();
