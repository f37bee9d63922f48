// Writes JSON answers. Every answer goes through here so headers stay uniform.
import type { ServerResponse } from 'node:http';

const JSON_TYPE = 'application/json; charset=utf-8';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  if (res.destroyed || res.headersSent) return;
  const text = JSON.stringify(body);
  // writeHead with a flat [name, value, …] list skips the response's header map: cheaper per call.
  const list: string[] = ['content-type', JSON_TYPE, 'content-length', String(Buffer.byteLength(text))];
  if (headers) for (const k in headers) list.push(k, headers[k]!);
  res.writeHead(status, list);
  res.end(text);
}
