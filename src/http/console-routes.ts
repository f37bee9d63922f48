// The web console: one HTML page, a vanilla JS module and a stylesheet from src/http/console/ (no
// build step, no CDN, no external font: operators may be offline), plus the login form. The page
// renders everything from the JSON API in the browser, putting app data in the DOM as text only.
// rules.js hands the browser the server's own definition of the characters that are shown as
// escapes (src/rules/characters.ts), so the console and the reports cannot disagree on it.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { escapeHtml } from '../report/render-html.js';
import { ID_FORBIDDEN_CHARS } from '../rules/characters.js';
import { clearSessionCookie, fromSameOrigin, newSession, sameSecret, setSessionCookie, type AccessMode } from './auth.js';

/** src/http/console, from the sources or from dist/http (the package ships src/http/console). */
const ASSET_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'http', 'console');

/** The page's own policy: only its own script, styles and frames (the run reports); no framing by others. */
const CONSOLE_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

interface Asset {
  type: string;
  body: string;
}

function loadAssets(): Record<string, Asset> {
  const read = (name: string) => readFileSync(join(ASSET_DIR, name), 'utf8');
  return {
    'index.html': { type: 'text/html; charset=utf-8', body: read('index.html') },
    'console.js': { type: 'text/javascript; charset=utf-8', body: read('console.js') },
    'console.css': { type: 'text/css; charset=utf-8', body: read('console.css') },
    'rules.js': {
      type: 'text/javascript; charset=utf-8',
      body: `// Generated from src/rules/characters.ts: characters shown as escapes, never raw.\nexport const UNSAFE_TO_SHOW = new RegExp(${JSON.stringify(ID_FORBIDDEN_CHARS)}, 'g');\n`,
    },
  };
}

const PAGE_HEAD = (title: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · rongsync</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/console.css"></head>`;

/** A page with one message (refusals). */
export function messagePage(title: string, message: string): string {
  return `${PAGE_HEAD(title)}<body class="message"><main class="card"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></main></body></html>`;
}

function loginPage(error?: string): string {
  return (
    `${PAGE_HEAD('Log in')}<body class="message"><main class="card"><h1>rongsync console</h1>` +
    `<form method="post" action="/login" class="login"><label for="token">Admin token (RONGSYNC_ADMIN_TOKEN)</label>` +
    `<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>` +
    (error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : '') +
    `<button type="submit">Log in</button></form></main></body></html>`
  );
}

export function registerConsoleRoutes(app: FastifyInstance, mode: AccessMode): void {
  const assets = loadAssets();
  const open = { config: { access: 'open' as const } };
  const html = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).header('content-security-policy', CONSOLE_CSP).type('text/html; charset=utf-8').send(body);

  app.get('/', { config: { access: 'page' } }, async (_request, reply) => html(reply, 200, assets['index.html']!.body));

  app.get('/assets/:file', open, async (request: FastifyRequest<{ Params: { file: string } }>, reply) => {
    const asset = Object.hasOwn(assets, request.params.file) && request.params.file !== 'index.html' ? assets[request.params.file] : undefined;
    if (!asset) return reply.code(404).send({ error: 'not_found', message: 'no such asset' });
    return reply.type(asset.type).header('cache-control', 'no-cache').send(asset.body);
  });

  app.get('/login', open, async (_request, reply) => {
    if (mode.kind === 'closed') return html(reply, 403, messagePage('Console off', 'Set RONGSYNC_ADMIN_TOKEN (at least 16 characters) to use the console and the JSON API.'));
    if (mode.kind === 'open') return reply.redirect('/', 303);
    return html(reply, 200, loginPage());
  });

  app.post('/login', open, async (request: FastifyRequest<{ Body: { token?: unknown } | undefined }>, reply) => {
    if (mode.kind !== 'token') return reply.redirect('/login', 303);
    // A login forced by another site would put the victim in the attacker's session.
    if (!fromSameOrigin(request)) return html(reply, 403, messagePage('Access refused', 'the login form must be sent from this console'));
    const given = request.body?.token;
    if (typeof given !== 'string' || !sameSecret(given.trim(), mode.token.reveal())) return html(reply, 401, loginPage('That is not the admin token.'));
    setSessionCookie(reply, newSession(mode.token, Date.now()), request.protocol === 'https');
    return reply.redirect('/', 303);
  });

  app.post('/logout', open, async (request, reply) => {
    if (!fromSameOrigin(request)) return html(reply, 403, messagePage('Access refused', 'log out from the console itself'));
    clearSessionCookie(reply);
    return reply.redirect(mode.kind === 'token' ? '/login' : '/', 303);
  });
}
