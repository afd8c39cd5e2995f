import { createServer, type AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

/** What the test SMTP server says to each recipient: accept, or an error with this SMTP code. */
export type RcptVerdict = 'accept' | { code: number; message: string };

/** A free loopback port (nothing listens on it until a server is started there). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * A real SMTP server over a real socket, in the test process: it keeps every accepted message
 * (parsed with mailparser) and answers RCPT TO as `verdict` decides.
 */
export class SmtpSink {
  readonly messages: ParsedMail[] = [];
  readonly rcptAttempts: string[] = [];
  verdict: (address: string, attempt: number) => RcptVerdict = () => 'accept';
  private server: SMTPServer | undefined;

  constructor(readonly port: number) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (address: SMTPServerAddress, _session, callback) => {
        this.rcptAttempts.push(address.address);
        const verdict = this.verdict(address.address, this.rcptAttempts.length);
        if (verdict === 'accept') return callback();
        callback(Object.assign(new Error(verdict.message), { responseCode: verdict.code }));
      },
      onData: (stream, _session, callback) => {
        simpleParser(stream)
          .then((parsed) => {
            this.messages.push(parsed);
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
