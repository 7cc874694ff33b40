import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import * as schema from './schema';
import type { Db } from './client';

export const MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');

/**
 * The database cannot be opened or written. Its message is one line for whoever starts Draftline:
 * which file, why, and what to set instead (src/node.ts prints it without a stack trace).
 */
export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError';
}

/** Opens the database on Node: an embedded libSQL file locally, or a Turso URL for `npm run db:migrate`. */
export function openNodeDb(url: string, authToken?: string): { db: Db; client: Client } {
  const file = localFile(url);
  if (file) prepareFile(file);
  let client: Client;
  try {
    client = createClient({ url, authToken });
  } catch (err) {
    throw databaseProblem(url, err);
  }
  return { db: drizzle(client, { schema }), client };
}

/**
 * What went wrong with the local database file at `url`, as a DatabaseOpenError when it is the
 * file itself (cannot be opened or written, not a database), or `err` unchanged for anything else
 * (a remote database, a failing migration).
 */
export function databaseProblem(url: string, err: unknown): unknown {
  const file = localFile(url);
  if (!file || err instanceof DatabaseOpenError) return err;
  const code = sqliteCode(err);
  const cantOpen = /ConnectionFailed|Unable to open/i.test(String((err as Error | undefined)?.message));
  const why = code ? SQLITE_WHY[code] : cantOpen ? SQLITE_WHY.SQLITE_CANTOPEN : undefined;
  return why ? fileError(file, why) : err;
}

const SQLITE_WHY: Record<string, string> = {
  SQLITE_CANTOPEN: 'SQLite cannot open or create the file there',
  SQLITE_READONLY: 'the file is read-only',
  SQLITE_PERM: 'no permission to write the file',
  SQLITE_IOERR: 'reading or writing the file failed (disk error)',
  SQLITE_FULL: 'the disk is full',
  SQLITE_NOTADB: 'the file is not a Draftline database (not SQLite)',
  SQLITE_CORRUPT: 'the file is damaged',
};

/** The path of a local database file, or null (":memory:", a remote URL). */
function localFile(url: string): string | null {
  if (!url.startsWith('file:')) return null;
  const path = url.slice('file:'.length);
  return path && !path.startsWith(':') ? resolve(path) : null;
}

/** Creates the file's folder and checks it can be written, so a bad path fails here with a reason. */
function prepareFile(file: string): void {
  const dir = dirname(file);
  makeFolder(dir, file);
  try {
    accessSync(dir, constants.W_OK);
    if (existsSync(file)) accessSync(file, constants.R_OK | constants.W_OK);
  } catch (err) {
    throw fileError(file, fsWhy(err, dir));
  }
}

/**
 * mkdir -p, one level at a time. Not mkdirSync(dir, { recursive: true }): on Node 20 that never
 * returns for a folder that cannot exist (one under /proc, say), and `npm start` would hang silently.
 */
function makeFolder(dir: string, file: string): void {
  let isFolder: boolean;
  try {
    isFolder = statSync(dir).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fileError(file, fsWhy(err, dir));
    const parent = dirname(dir);
    if (parent !== dir) makeFolder(parent, file);
    try {
      mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw fileError(file, fsWhy(err, dir, 'create'));
    }
    return;
  }
  if (!isFolder) throw fileError(file, `${dir} is a file, not a folder`);
}

function fsWhy(err: unknown, dir: string, doing: 'create' | 'write' = 'write'): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return `the folder ${dir} cannot be created (ENOENT)`;
    case 'EACCES':
    case 'EPERM':
      return doing === 'create'
        ? `no permission to create the folder ${dir} (${code})`
        : `no permission to write in ${dir} (${code})`;
    case 'EROFS':
      return `${dir} is on a read-only file system (EROFS)`;
    case 'ENOTDIR':
      return `a part of ${dir} is a file, not a folder (ENOTDIR)`;
    case 'ENOSPC':
      return 'the disk is full (ENOSPC)';
    default:
      return code ?? oneLine(String((err as Error)?.message ?? err));
  }
}

function fileError(file: string, why: string): DatabaseOpenError {
  return new DatabaseOpenError(
    `Draftline cannot use the database file ${file}: ${why}. Choose another file: DATABASE_URL=file:<path> in a folder you can write (the default is file:./data/draftline.db).`,
  );
}

/** The SQLite result code (SQLITE_READONLY, …) anywhere in the error's cause chain (drizzle wraps libSQL's). */
function sqliteCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_')) return code.replace(/^(SQLITE_[A-Z]+).*$/, '$1');
  }
  return undefined;
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 200);

export async function migrateDb(db: Db): Promise<void> {
  await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
}
