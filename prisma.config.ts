// Prisma CLI configuration (Prisma 7 reads the datasource URL from here, not from schema.prisma).
// rongsync applies migrations with its own applier (src/db/migrate/), so the URL is only needed
// where Prisma's own engine exists; an empty default keeps `prisma generate` working offline.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env['DATABASE_URL'] ?? '' },
});
