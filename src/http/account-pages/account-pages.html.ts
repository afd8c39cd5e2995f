/** The two account pages: markup only; the behaviour is account.script.ts, served as a file (strict CSP). */

const head = (title: string) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${title} – User Management API</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/account/account.css">
  <script src="/account/account.js" defer></script>
</head>`;

export const LOGIN_PAGE = `${head('Sign in')}
<body data-page="login">
<main>
  <h1>Sign in</h1>
  <p id="message" role="status" aria-live="polite"></p>
  <div id="first-step">
    <form id="password-form">
      <label>Username or e-mail <input id="username" name="username" autocomplete="username webauthn" required></label>
      <label>Password <input id="password" name="password" type="password" autocomplete="current-password" required></label>
      <button type="submit" id="password-submit">Sign in</button>
    </form>
    <p><a href="/account/forgot-password" id="forgot-password">Forgot your password?</a></p>
    <hr>
    <button type="button" id="passkey-signin">Sign in with a passkey</button>
  </div>
  <div id="mfa-step" hidden>
    <p id="mfa-hint"></p>
    <button type="button" id="mfa-passkey" hidden>Use a passkey</button>
    <form id="mfa-form" hidden>
      <label>Code <input id="mfa-code" name="code" autocomplete="one-time-code" required></label>
      <button type="submit" id="mfa-submit">Verify</button>
    </form>
    <p><a href="/account/login" id="start-over">Start over</a></p>
  </div>
</main>
</body>
</html>`;

export const SECURITY_PAGE = `${head('Security')}
<body data-page="security">
<main>
  <h1>Security</h1>
  <p>Signed in as <strong id="who">…</strong> <button type="button" id="signout">Sign out</button></p>
  <p id="message" role="status" aria-live="polite"></p>

  <section aria-labelledby="passkeys-heading">
    <h2 id="passkeys-heading">Passkeys</h2>
    <table id="passkeys">
      <thead><tr><th>Name</th><th>Added</th><th>Last used</th><th></th></tr></thead>
      <tbody></tbody>
    </table>
    <p id="no-passkeys" hidden>No passkeys yet.</p>
    <form id="passkey-form">
      <label>Name <input id="passkey-name" maxlength="64" placeholder="e.g. Laptop"></label>
      <button type="submit" id="passkey-add">Add a passkey</button>
    </form>
  </section>

  <section aria-labelledby="totp-heading">
    <h2 id="totp-heading">Authenticator app (TOTP)</h2>
    <p id="mfa-status"></p>
    <button type="button" id="totp-setup" hidden>Set up an authenticator app</button>
    <div id="totp-enrol" hidden>
      <p>Scan this code with your app, or type the secret <code id="totp-secret"></code>.</p>
      <img id="totp-qr" alt="QR code of the TOTP secret" width="200" height="200">
      <form id="totp-confirm-form">
        <label>Code from the app <input id="totp-code" autocomplete="one-time-code" inputmode="numeric" required></label>
        <button type="submit">Turn on</button>
      </form>
    </div>
    <button type="button" id="totp-disable" hidden>Turn off the authenticator app</button>
    <button type="button" id="recovery-new" hidden>New recovery codes</button>
    <div id="recovery" hidden>
      <p>Your recovery codes. Each works once; they are shown only now: keep them somewhere safe.</p>
      <ol id="recovery-codes"></ol>
    </div>
  </section>
</main>
</body>
</html>`;

export const ACCOUNT_CSS = `body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1c1e21; }
main { max-width: 40rem; margin: 2rem auto; padding: 1.5rem 2rem; background: #fff; border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
label { display: block; margin: .75rem 0; }
input { display: block; width: 100%; box-sizing: border-box; padding: .4rem; font: inherit; }
td input { display: inline; width: auto; }
button { font: inherit; padding: .4rem .9rem; margin: .25rem .25rem .25rem 0; cursor: pointer; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .3rem; border-bottom: 1px solid #e4e6eb; }
#message:empty { display: none; }
#message { padding: .5rem; background: #eef3ff; border-radius: 4px; }
#message.error { background: #fdecea; }
#field-errors { margin: .5rem 0; padding: .5rem .5rem .5rem 1.5rem; background: #fdecea; border-radius: 4px; }
section { margin-top: 2rem; }
`;
