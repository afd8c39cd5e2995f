import { existsSync } from 'node:fs';
import type { Config } from '../config/config';
import { displayPath } from '../db/database.source';

export interface StartBannerInput {
  /** Where the server answers, e.g. http://127.0.0.1:8000. */
  url: string;
  config: Pick<Config, 'env' | 'graphql' | 'redisUrl' | 'redisClusterNodes' | 'generatedAdmin'>;
  /** The database as it may be shown (see DatabaseSource.description): no password. */
  database: string;
  /** Set when this start generated the first admin. */
  firstAdminFile?: string;
}

export interface StartBanner {
  message: string;
  /** The same, as fields of the log line, for whoever reads the JSON. */
  fields: Record<string, string | undefined>;
}

function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString().replace(/\/$/, '');
}

/** Which Redis the state lives in; none configured means in this process only. */
export function describeRedis(config: Pick<Config, 'redisUrl' | 'redisClusterNodes'>): string {
  if (config.redisClusterNodes?.length) return `Redis Cluster via ${config.redisClusterNodes.map(({ host, port }) => `${host}:${port}`).join(', ')}`;
  if (config.redisUrl) return withoutPassword(config.redisUrl);
  return 'none: in-process state (one instance only; set REDIS_URL to share it)';
}

/**
 * What a newcomer needs after `npm start`: where to click, which database and Redis are in use,
 * and where the first admin's password is. It names the credentials file, never the password.
 */
export function startBanner({ url, config, database, firstAdminFile }: StartBannerInput): StartBanner {
  const sandbox = config.env !== 'production' && config.graphql.introspection;
  // A file from an earlier start is still worth pointing at until its owner deletes it.
  const credentialsFile = firstAdminFile ?? (config.generatedAdmin && existsSync(config.generatedAdmin.credentialsFile) ? config.generatedAdmin.credentialsFile : undefined);
  const fields = {
    graphql: `${url}/graphql`,
    sandbox: sandbox ? `${url}/graphql` : undefined,
    docs: `${url}/docs`,
    health: `${url}/health`,
    database,
    redis: describeRedis(config),
    firstAdminCredentials: credentialsFile ? displayPath(credentialsFile) : undefined,
  };
  const lines = [
    `User API listening on ${url}`,
    `  GraphQL    ${fields.graphql}${sandbox ? ' (open it in a browser for Apollo Sandbox)' : ''}`,
    `  REST docs  ${fields.docs}`,
    `  Health     ${fields.health}`,
    `  Database   ${database}`,
    `  Redis      ${fields.redis}`,
  ];
  if (fields.firstAdminCredentials) {
    lines.push(`  Admin      ${firstAdminFile ? 'created; ' : ''}username and password in ${fields.firstAdminCredentials} (readable by you only)`);
  }
  return { message: lines.join('\n'), fields };
}
