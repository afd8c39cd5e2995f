import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** Node's HTTP parser error codes for requests whose headers exceed the server's limit. */
const HEADER_TOO_LARGE = new Set(['HPE_HEADER_OVERFLOW']);

function problemResponse(status: number, title: string, slug: string, detail: string): string {
  const body = JSON.stringify({ type: `/problems/${slug}`, title, status, detail });
  return [
    `HTTP/1.1 ${status} ${title}`,
    'Content-Type: application/problem+json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

const TOO_LARGE = problemResponse(431, 'Request Header Fields Too Large', 'headers-too-large', 'The request headers are larger than the server accepts (16 KiB).');
const TIMED_OUT = problemResponse(408, 'Request Timeout', 'request-timeout', 'The request did not arrive in time.');
const MALFORMED = problemResponse(400, 'Bad Request', 'malformed-request', 'The request is not valid HTTP.');

/**
 * Requests that Node's HTTP parser refuses (oversized headers, broken syntax) never reach express, so
 * its problem middleware cannot answer them; Node's default reply is a bare status line. Answer them
 * with problem+json too, so every client error has the same shape, and close the connection: after a
 * parse error nothing more on it can be trusted.
 */
export function answerParserErrorsWithProblems(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // A reset or timed-out connection has nobody left to answer.
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    if (HEADER_TOO_LARGE.has(error.code ?? '')) socket.end(TOO_LARGE);
    else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') socket.end(TIMED_OUT);
    else socket.end(MALFORMED);
  });
}
