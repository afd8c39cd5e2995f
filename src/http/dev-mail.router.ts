import { type Response, Router } from 'express';
import { type DevMail, listDevMailbox, readDevMail } from '../mail/dev-mailbox';
import { sendProblem } from './problem';

/** No script at all, styles from the stylesheet beside the page, and nothing may frame or submit from it. */
const CONTENT_SECURITY_POLICY = ["default-src 'none'", "style-src 'self'", "img-src 'self' data:", "form-action 'none'", "base-uri 'none'", "frame-ancestors 'none'"].join('; ');

const DEV_MAIL_CSS = `body { font: 15px/1.45 system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1c1e21; }
main { max-width: 72rem; margin: 2rem auto; padding: 1.5rem 2rem; background: #fff; border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: .4rem; border-bottom: 1px solid #e4e6eb; }
td.links a { display: block; word-break: break-all; }
.muted { color: #65676b; font-size: .9em; }
`;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Addresses, subjects and links are user input: everything put into the page goes through here. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (char) => ESCAPES[char]);
}

/** Only http(s) links become anchors: a javascript: or data: "link" in a mail stays text. */
function linkCell(links: unknown): string {
  if (!Array.isArray(links) || links.length === 0) return '<span class="muted">none</span>';
  return links
    .map((link) => {
      const text = escapeHtml(link);
      return typeof link === 'string' && /^https?:\/\//i.test(link) ? `<a href="${text}" rel="noreferrer">${text}</a>` : `<span>${text}</span>`;
    })
    .join('');
}

function row(mail: DevMail): string {
  const raw = `/dev/mail/${encodeURIComponent(mail.id)}.eml`;
  return `<tr data-id="${escapeHtml(mail.id)}">
  <td><time datetime="${escapeHtml(mail.date)}">${escapeHtml(mail.date)}</time></td>
  <td class="to">${escapeHtml(mail.to)}</td>
  <td class="subject">${escapeHtml(mail.subject)}<br><span class="muted">${escapeHtml(mail.template)}</span></td>
  <td class="links">${linkCell(mail.links)}</td>
  <td><a class="raw" href="${escapeHtml(raw)}">.eml</a></td>
</tr>`;
}

export function devMailPage(mails: DevMail[]): string {
  const body =
    mails.length === 0
      ? '<p id="empty">No mails yet. Sign up, or ask for a password reset, and reload this page.</p>'
      : `<table id="mails">
<thead><tr><th>Date (UTC)</th><th>To</th><th>Subject</th><th>Links</th><th>Raw</th></tr></thead>
<tbody>
${mails.map(row).join('\n')}
</tbody>
</table>`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <title>Development mailbox – User Management API</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/dev/mail.css">
</head>
<body>
<main>
  <h1>Development mailbox</h1>
  <p class="muted">SMTP_URL is unset, so mails are written to DATA_DIR/mail instead of being sent. Newest first; <a href="/dev/mail">reload</a> for new ones, or read <a href="/dev/mail.json">/dev/mail.json</a>.</p>
  ${body}
</main>
</body>
</html>`;
}

/** Every answer holds addresses and one-time links: not cached anywhere, not sniffed into another type. */
function devHeaders(res: Response): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

/**
 * /dev/mail: the mails of the development mailbox (no SMTP_URL), so a newcomer can follow a
 * verification or reset link without a mail server. Mount it only outside production, and only when
 * mails go to files: it shows every user's links.
 */
export function devMailRouter(dataDir: string): Router {
  const router = Router({ caseSensitive: true, strict: true });
  router.use('/dev', (_req, res, next) => {
    devHeaders(res);
    next();
  });

  router.get('/dev/mail', async (_req, res) => {
    res.type('html').send(devMailPage(await listDevMailbox(dataDir)));
  });
  router.get('/dev/mail.css', (_req, res) => {
    res.type('text/css').send(DEV_MAIL_CSS);
  });
  router.get('/dev/mail.json', async (_req, res) => {
    res.json({ data: await listDevMailbox(dataDir) });
  });
  router.get('/dev/mail/:id.eml', async (req, res) => {
    const id = String(req.params.id);
    const raw = await readDevMail(dataDir, id);
    if (!raw) {
      sendProblem(res, { type: '/problems/not-found', title: 'Not found', status: 404, detail: 'No mail with this id in the development mailbox.', instance: req.originalUrl.split('?')[0] });
      return;
    }
    res.type('message/rfc822').setHeader('Content-Disposition', `inline; filename="${id}.eml"`);
    res.send(raw);
  });
  return router;
}
