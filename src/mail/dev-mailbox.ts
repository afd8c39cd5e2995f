import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface DevMail {
  id: string;
  to: string;
  subject: string;
  template: string;
  date: string;
  links: string[];
}

const ID = /^[\w-]+$/;

export function devMailboxDir(dataDir: string): string {
  return join(dataDir, 'mail');
}

/**
 * The development mailbox (mails written without SMTP_URL), newest first, for a /dev/mail page.
 * Each .eml has a .json beside it with what a listing needs, so nothing is parsed here.
 */
export async function listDevMailbox(dataDir: string, limit = 100): Promise<DevMail[]> {
  const dir = devMailboxDir(dataDir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const ids = names.filter((name) => name.endsWith('.json')).map((name) => name.slice(0, -'.json'.length)).sort().reverse().slice(0, limit);
  const mails = await Promise.all(ids.map(async (id) => JSON.parse(await readFile(join(dir, `${id}.json`), 'utf8')) as DevMail));
  return mails;
}

/** One mail's raw .eml (to download or show), or undefined for an unknown or malformed id. */
export async function readDevMail(dataDir: string, id: string): Promise<Buffer | undefined> {
  if (!ID.test(id)) return undefined;
  try {
    return await readFile(join(devMailboxDir(dataDir), `${id}.eml`));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
