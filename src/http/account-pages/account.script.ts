/**
 * The account pages' one script (plain ES2020, no framework, no CDN), served from /account/account.js
 * so the pages run under a CSP without 'unsafe-inline'. The access and refresh tokens live in
 * sessionStorage: they die with the tab, and only this origin's scripts can read them.
 * (Written without backticks or dollar-brace, since it sits in a template literal.)
 */
export const ACCOUNT_SCRIPT = String.raw`'use strict';
(function () {
  var TOKENS = 'uma.tokens';
  // Set on sign-out: an answer still on its way then (a 401 after the logout) must not navigate again.
  var leaving = false;
  var $ = function (id) { return document.getElementById(id); };

  function say(text, isError) {
    var box = $('message');
    box.textContent = text || '';
    box.className = isError ? 'error' : '';
  }

  function tokens() {
    try { return JSON.parse(sessionStorage.getItem(TOKENS) || 'null'); } catch (e) { return null; }
  }

  async function api(method, path, body) {
    var headers = { Accept: 'application/json' };
    var held = tokens();
    if (held) headers.Authorization = 'Bearer ' + held.accessToken;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    var response = await fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit' });
    var data = null;
    if (response.status !== 204) { try { data = await response.json(); } catch (e) { data = null; } }
    if (!response.ok) {
      // A 422 names what is wrong per field; other problems say it in their detail.
      var fields = data && Array.isArray(data.errors) ? data.errors.map(function (e) { return e.message; }).join(' ') : '';
      var error = new Error(fields || (data && (data.detail || data.title)) || ('HTTP ' + response.status));
      error.status = response.status;
      error.code = data && data.code;
      throw error;
    }
    return data;
  }

  function signedIn(pair) {
    sessionStorage.setItem(TOKENS, JSON.stringify({ accessToken: pair.accessToken, refreshToken: pair.refreshToken }));
    location.assign('/account/security');
  }

  function webauthnMissing() {
    return !window.PublicKeyCredential || typeof PublicKeyCredential.parseRequestOptionsFromJSON !== 'function';
  }

  // ---- /account/login ----
  function loginPage() {
    var mfaToken = null;
    if (tokens()) say('You are already signed in. Open the security page, or sign in as someone else.');

    $('password-form').addEventListener('submit', async function (event) {
      event.preventDefault();
      say('Signing in…');
      try {
        var answer = await api('POST', '/v1/auth/login', { username: $('username').value, password: $('password').value });
        if (answer.mfaRequired) return secondStep(answer);
        signedIn(answer);
      } catch (error) { say(error.message, true); }
    });

    // The code form for an authenticator code or a recovery code; the button for a passkey.
    function secondStep(answer) {
      mfaToken = answer.mfaToken;
      var methods = answer.methods || [];
      var passkey = methods.indexOf('webauthn') >= 0;
      var totp = methods.indexOf('totp') >= 0;
      var recovery = methods.indexOf('recovery_code') >= 0;
      var ways = [];
      if (passkey) ways.push('use your passkey');
      if (totp) ways.push('enter the code from your authenticator app');
      if (recovery) ways.push('enter one of your recovery codes');
      var hint = ways.join(', or ') + '.';
      $('mfa-hint').textContent = hint.charAt(0).toUpperCase() + hint.slice(1);
      $('first-step').hidden = true;
      $('mfa-step').hidden = false;
      $('mfa-passkey').hidden = !passkey;
      $('mfa-form').hidden = !(totp || recovery);
      (passkey ? $('mfa-passkey') : $('mfa-code')).focus();
      say('A second factor is required.');
    }

    $('mfa-passkey').addEventListener('click', async function () {
      if (webauthnMissing()) return say('This browser cannot use passkeys.', true);
      say('Waiting for your passkey…');
      try {
        var options = await api('POST', '/v1/auth/mfa/webauthn/options', { mfaToken: mfaToken });
        var credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
        signedIn(await api('POST', '/v1/auth/mfa/verify', { mfaToken: mfaToken, webauthn: credential.toJSON() }));
      } catch (error) { say(error.name === 'NotAllowedError' ? 'The passkey check was cancelled.' : error.message, true); }
    });

    $('mfa-form').addEventListener('submit', async function (event) {
      event.preventDefault();
      var code = $('mfa-code').value.replace(/\s+/g, '');
      // Six digits is an authenticator code; anything else is tried as a recovery code.
      var body = /^[0-9]{6}$/.test(code) ? { mfaToken: mfaToken, code: code } : { mfaToken: mfaToken, recoveryCode: code };
      try { signedIn(await api('POST', '/v1/auth/mfa/verify', body)); } catch (error) { say(error.message, true); }
    });

    $('passkey-signin').addEventListener('click', async function () {
      if (webauthnMissing()) return say('This browser cannot use passkeys.', true);
      say('Waiting for your passkey…');
      try {
        var options = await api('POST', '/v1/auth/passkeys/login/options');
        var credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
        signedIn(await api('POST', '/v1/auth/passkeys/login/verify', { response: credential.toJSON() }));
      } catch (error) { say(error.name === 'NotAllowedError' ? 'Passkey sign-in was cancelled.' : error.message, true); }
    });
  }

  // ---- /account/security ----
  function cell(row, text) {
    var td = document.createElement('td');
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function when(iso) { return iso ? new Date(iso).toLocaleString() : 'never'; }

  async function showPasskeys() {
    var list = (await api('GET', '/v1/auth/passkeys')).data;
    var body = document.querySelector('#passkeys tbody');
    body.textContent = '';
    $('no-passkeys').hidden = list.length > 0;
    list.forEach(function (passkey) {
      var row = document.createElement('tr');
      row.dataset.id = passkey.id;
      var nameCell = cell(row, '');
      var name = document.createElement('input');
      name.value = passkey.name;
      name.maxLength = 64;
      name.setAttribute('aria-label', 'Name of passkey ' + passkey.name);
      nameCell.appendChild(name);
      cell(row, when(passkey.createdAt));
      cell(row, when(passkey.lastUsedAt));
      var actions = cell(row, '');
      var rename = document.createElement('button');
      rename.type = 'button';
      rename.textContent = 'Rename';
      rename.className = 'rename';
      rename.addEventListener('click', function () {
        act(function () { return api('PATCH', '/v1/auth/passkeys/' + passkey.id, { name: name.value }); }, 'Renamed.');
      });
      var remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = 'Delete';
      remove.className = 'delete';
      remove.addEventListener('click', function () {
        act(function () { return api('DELETE', '/v1/auth/passkeys/' + passkey.id); }, 'Deleted.');
      });
      actions.appendChild(rename);
      actions.appendChild(remove);
      body.appendChild(row);
    });
  }

  // What is on (GET /v1/auth/mfa), and so which of the TOTP and recovery-code buttons apply.
  async function showMfa() {
    var mfa = await api('GET', '/v1/auth/mfa');
    var codes = mfa.totp || mfa.passkeys > 0 ? ' Recovery codes left: ' + mfa.recoveryCodesLeft + '.' : '';
    $('mfa-status').textContent = (mfa.totp ? 'The authenticator app is on.' : 'No authenticator app is set up.') + codes;
    $('totp-setup').hidden = mfa.totp;
    $('totp-disable').hidden = !mfa.totp;
    $('recovery-new').hidden = !mfa.totp && mfa.passkeys === 0;
    if (mfa.totp) $('totp-enrol').hidden = true;
    if (mfa.recoveryCodesLeft === 0) $('recovery').hidden = true;
    return mfa;
  }

  async function act(work, done) {
    try {
      await work();
      await showPasskeys();
      await showMfa();
      say(done);
    } catch (error) { failed(error); }
  }

  function failed(error) {
    if (leaving) return;
    if (error.status === 401 && error.code !== 'REAUTHENTICATION_REQUIRED') {
      sessionStorage.removeItem(TOKENS);
      location.assign('/account/login');
      return;
    }
    say(error.code === 'REAUTHENTICATION_REQUIRED' ? 'Please sign in again first: this change needs a recent sign-in.' : error.message, true);
  }

  function showRecoveryCodes(codes) {
    var list = $('recovery-codes');
    list.textContent = '';
    codes.forEach(function (code) {
      var item = document.createElement('li');
      item.textContent = code;
      list.appendChild(item);
    });
    $('recovery').hidden = false;
  }

  async function securityPage() {
    if (!tokens()) return location.assign('/account/login');

    $('signout').addEventListener('click', async function () {
      leaving = true;
      try { await api('POST', '/v1/auth/logout'); } catch (e) { /* the session may have ended already */ }
      sessionStorage.removeItem(TOKENS);
      location.assign('/account/login');
    });

    $('passkey-form').addEventListener('submit', function (event) {
      event.preventDefault();
      if (webauthnMissing()) return say('This browser cannot use passkeys.', true);
      say('Waiting for your authenticator…');
      act(async function () {
        var options = await api('POST', '/v1/auth/passkeys/register/options');
        var credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
        var body = { response: credential.toJSON() };
        if ($('passkey-name').value.trim()) body.name = $('passkey-name').value;
        await api('POST', '/v1/auth/passkeys/register/verify', body);
        $('passkey-name').value = '';
      }, 'Passkey added.');
    });

    $('totp-setup').addEventListener('click', async function () {
      try {
        var setup = await api('POST', '/v1/auth/mfa/totp/setup');
        $('totp-secret').textContent = setup.secret;
        $('totp-qr').src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(setup.qrCodeSvg);
        $('totp-enrol').hidden = false;
        $('totp-code').focus();
      } catch (error) { failed(error); }
    });

    $('totp-confirm-form').addEventListener('submit', async function (event) {
      event.preventDefault();
      try {
        var answer = await api('POST', '/v1/auth/mfa/totp/confirm', { code: $('totp-code').value.replace(/\s+/g, '') });
        $('totp-code').value = '';
        await showMfa();
        showRecoveryCodes(answer.recoveryCodes);
        say('The authenticator app is on.');
      } catch (error) { failed(error); }
    });

    $('totp-disable').addEventListener('click', async function () {
      try { await api('DELETE', '/v1/auth/mfa/totp'); await showMfa(); say('The authenticator app is off.'); } catch (error) { failed(error); }
    });

    $('recovery-new').addEventListener('click', async function () {
      try {
        var answer = await api('POST', '/v1/auth/mfa/recovery-codes');
        await showMfa();
        showRecoveryCodes(answer.recoveryCodes);
        say('New recovery codes: the old ones no longer work.');
      } catch (error) { failed(error); }
    });

    // The buttons work from here on; what the account holds is shown as it arrives.
    try {
      var me = await api('GET', '/v1/auth/validate');
      $('who').textContent = me.user.username;
      await showPasskeys();
      await showMfa();
    } catch (error) { failed(error); }
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (document.body.dataset.page === 'login') loginPage();
    if (document.body.dataset.page === 'security') securityPage();
  });
})();
`;
