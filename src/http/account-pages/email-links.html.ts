/**
 * The pages the links in mails open (verify-email, confirm-email, reset-password) and the form that
 * asks for a reset link: markup only; the behaviour is email-links.script.ts, served as a file (strict CSP).
 */

const head = (title: string) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <meta name="robots" content="noindex">
  <title>${title} – User Management API</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/account/account.css">
  <script src="/account/email-links.js" defer></script>
</head>`;

const NO_TOKEN = `<p id="no-token" hidden>This page needs the link from your mail, in full. Open the link again, or copy the whole address from the mail into the address bar.</p>`;

/**
 * A button rather than a request on load: mail scanners and link previews fetch every link in a mail,
 * and must not use up the token or confirm an address nobody read.
 */
const confirmPage = (page: string, title: string, intro: string, button: string) => `${head(title)}
<body data-page="${page}">
<main>
  <h1>${title}</h1>
  <p id="message" role="status" aria-live="polite"></p>
  ${NO_TOKEN}
  <div id="ask" hidden>
    <p>${intro}</p>
    <button type="button" id="confirm">${button}</button>
  </div>
  <p id="next" hidden><a href="/account/login">Go to the sign-in page</a></p>
</main>
</body>
</html>`;

export const VERIFY_EMAIL_PAGE = confirmPage(
  'verify-email',
  'Confirm your e-mail address',
  'Press the button to confirm that this e-mail address is yours.',
  'Confirm my e-mail address',
);

export const CONFIRM_EMAIL_PAGE = confirmPage(
  'confirm-email',
  'Confirm your new e-mail address',
  'Press the button to confirm that this new e-mail address is yours. Your account then uses it from now on.',
  'Confirm my new e-mail address',
);

export const RESET_PASSWORD_PAGE = `${head('Choose a new password')}
<body data-page="reset-password">
<main>
  <h1>Choose a new password</h1>
  <p id="message" role="status" aria-live="polite"></p>
  ${NO_TOKEN}
  <form id="reset-form" hidden>
    <label>New password <input id="new-password" name="newPassword" type="password" autocomplete="new-password" required></label>
    <label>Repeat the new password <input id="repeat-password" name="repeatPassword" type="password" autocomplete="new-password" required></label>
    <ul id="field-errors" class="error" hidden></ul>
    <button type="submit" id="reset-submit">Set the new password</button>
  </form>
  <p id="next" hidden><a href="/account/login">Sign in with the new password</a></p>
  <p id="ask-again" hidden><a href="/account/forgot-password">Ask for a new reset link</a></p>
</main>
</body>
</html>`;

export const FORGOT_PASSWORD_PAGE = `${head('Forgot your password?')}
<body data-page="forgot-password">
<main>
  <h1>Forgot your password?</h1>
  <p id="message" role="status" aria-live="polite"></p>
  <form id="forgot-form">
    <p>Enter the e-mail address of your account: if there is one, we send it a link to choose a new password.</p>
    <label>E-mail address <input id="email" name="email" type="email" autocomplete="email" required></label>
    <button type="submit" id="forgot-submit">Send me a reset link</button>
  </form>
  <p><a href="/account/login">Back to sign-in</a></p>
</main>
</body>
</html>`;
