import { existsSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import type { Config } from '../platform/config/config';
import { displayPath } from '../platform/db/database.source';
import type { Logger } from '../platform/observability/logger';

export interface ListenAddress {
  /** As configured: HOST (0.0.0.0 and :: mean every interface). */
  host: string;
  /** As bound (PORT=0 picks a free one). */
  port: number;
}

export interface StartBannerInput {
  listening: ListenAddress;
  config: Pick<Config, 'env' | 'graphql' | 'redisUrl' | 'redisClusterNodes' | 'generatedAdmin' | 'dataDir' | 'mail'>;
  /** The database as it may be shown (see DatabaseSource.description): no password. */
  database: string;
  /** Set when this start generated the first admin. */
  firstAdminFile?: string;
}

export interface StartBanner {
  /** One line, for the JSON log: what it listens on. */
  message: string;
  /** The banner a person reads at a terminal, several lines. */
  text: string;
  /** The same, as fields of the log line, for whoever reads the JSON. */
  fields: Record<string, string | boolean | undefined>;
}

const EVERY_INTERFACE: Record<string, string> = { '0.0.0.0': 'all IPv4 interfaces', '::': 'all interfaces (IPv6 and IPv4)' };

/**
 * Where the server listens, said as it is, and the URL to open on this machine: `localhost` when it
 * listens everywhere (it answers there), else the one address it is bound to.
 */
export function describeListening({ host, port }: ListenAddress): { where: string; url: string } {
  const everywhere = EVERY_INTERFACE[host];
  if (everywhere) return { where: `${everywhere} (${host}), port ${port}`, url: `http://localhost:${port}` };
  const address = isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
  return { where: `${address} only`, url: `http://${address}` };
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

/** Where account mails go: the SMTP server (no credentials), or the files a newcomer reads at /dev/mail. */
export function describeMail(config: Pick<Config, 'env' | 'dataDir' | 'mail'>, url: string): string {
  if (config.mail.smtpUrl) return `SMTP ${withoutPassword(config.mail.smtpUrl).replace(/\/\/[^@/]*@/, '//')}`;
  const dir = displayPath(join(config.dataDir, 'mail'));
  return config.env === 'production' ? `files in ${dir} (set SMTP_URL to send them)` : `files in ${dir}, listed at ${url}/dev/mail`;
}

/**
 * What a newcomer needs after `npm start`: where to click, which database and Redis are in use,
 * and where the first admin's password is. It names the credentials file, never the password.
 */
export function startBanner({ listening, config, database, firstAdminFile }: StartBannerInput): StartBanner {
  const { where, url } = describeListening(listening);
  const development = config.env !== 'production';
  const sandbox = development && config.graphql.introspection;
  // A file from an earlier start is still worth pointing at until its owner deletes it.
  const credentialsFile = firstAdminFile ?? (config.generatedAdmin && existsSync(config.generatedAdmin.credentialsFile) ? config.generatedAdmin.credentialsFile : undefined);
  const fields = {
    listen: listening.host.includes(':') ? `[${listening.host}]:${listening.port}` : `${listening.host}:${listening.port}`,
    url,
    index: development ? `${url}/` : undefined,
    graphql: `${url}/graphql`,
    sandbox: sandbox ? `${url}/graphql` : undefined,
    graphiql: development ? `${url}/graphiql` : undefined,
    docs: `${url}/docs`,
    health: `${url}/health`,
    database,
    redis: describeRedis(config),
    mail: describeMail(config, url),
    firstAdminCredentials: credentialsFile ? displayPath(credentialsFile) : undefined,
  };
  const message = `User API listening on ${where}`;
  const lines = [
    `${message}: ${url}`,
    ...(fields.index ? [`  Start here ${fields.index}`] : []),
    `  GraphQL    ${fields.graphql}${sandbox ? ' (in a browser: Apollo Sandbox, loaded from the internet)' : ''}`,
    ...(fields.graphiql ? [`  GraphiQL   ${fields.graphiql} (works offline)`] : []),
    `  REST docs  ${fields.docs}`,
    `  Health     ${fields.health}`,
    `  Database   ${database}`,
    `  Redis      ${fields.redis}`,
    `  Mail       ${fields.mail}`,
  ];
  if (fields.firstAdminCredentials) {
    lines.push(`  Admin      ${firstAdminFile ? 'created; ' : ''}username and password in ${fields.firstAdminCredentials} (readable by you only)`);
  }
  return { message, text: lines.join('\n'), fields };
}

export interface BannerOutput {
  /** The logger writes pino-pretty lines to a terminal (development at a TTY). */
  pretty: boolean;
  /** Where a person may be watching while the log goes elsewhere: stderr, when it is a terminal. */
  terminal: NodeJS.WritableStream | null;
}

/**
 * At a developer's terminal, the banner is the log line. Otherwise the log stays one JSON object
 * per line (a one-line message, the rest as fields); when the log goes to a file or a pipe but
 * stderr is still a terminal (`npm start > app.log`), the person there sees the banner on stderr.
 */
export function printStartBanner(
  logger: Logger,
  input: StartBannerInput & { tracing: boolean },
  output: BannerOutput = { pretty: false, terminal: process.stderr.isTTY ? process.stderr : null },
): StartBanner {
  const banner = startBanner(input);
  const fields = { banner: { ...banner.fields, tracing: input.tracing } };
  if (output.pretty) {
    logger.info(fields, banner.text);
    return banner;
  }
  logger.info(fields, banner.message);
  output.terminal?.write(`${banner.text}\n`);
  return banner;
}
