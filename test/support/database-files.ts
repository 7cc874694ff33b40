import { existsSync, readFileSync } from 'node:fs';

/** The database file and its companions, as bytes decoded both ways (so no encoding hides a needle). */
export function databaseFiles(dbPath: string): { file: string; text: string }[] {
  return ['', '-wal', '-shm', '-journal']
    .map((suffix) => dbPath + suffix)
    .filter((f) => existsSync(f))
    .map((file) => {
      const bytes = readFileSync(file);
      return { file, text: `${bytes.toString('latin1')}\n${bytes.toString('utf8')}` };
    });
}
