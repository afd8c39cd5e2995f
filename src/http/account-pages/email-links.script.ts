/**
 * The behaviour of the pages that mail links open, served from /account/email-links.js (the pages'
 * CSP allows no inline script). Kept apart from account.js: these pages hold no session, only the
 * one-time token of their link. (Written without backticks or dollar-brace: it sits in a template literal.)
 */
export const EMAIL_LINKS_SCRIPT = String.raw`'use strict';
(function () {
  var $ = function (id) { return document.getElementById(id); };

  function say(text, isError, code) {
    var box = $('message');
    box.textContent = text || '';
    box.className = isError ? 'error' : '';
    if (code) box.dataset.code = code; else delete box.dataset.code;
  }

  // Read once, then taken out of the address bar, so that neither the history, a bookmark, a shared
  // screen nor a Referer carries it further. A reload therefore shows the no-token message.
  function takeToken() {
    var token = new URLSearchParams(location.search).get('token');
    if (location.search || location.hash) history.replaceState(null, '', location.pathname);
    if (!token) $('no-token').hidden = false;
    return token;
  }

  // Never throws on an HTTP error: the pages show the problem's detail (RFC 9457) and its field errors.
  async function post(path, body) {
    try {
      var response = await fetch(path, {
        method: 'POST',
        headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
      });
      var data = null;
      try { data = await response.json(); } catch (e) { data = null; }
      return { ok: response.ok, status: response.status, data: data || {} };
    } catch (e) {
      return { ok: false, status: 0, data: { detail: 'The server could not be reached. Check your connection and try again.' } };
    }
  }

  function problemText(answer) {
    return answer.data.detail || answer.data.title || ('The request failed (HTTP ' + answer.status + ').');
  }

  var TOKEN_CODES = ['TOKEN_INVALID', 'TOKEN_USED', 'TOKEN_EXPIRED'];
  function isTokenProblem(answer) { return TOKEN_CODES.indexOf(answer.data.code) >= 0; }

  // ---- /account/verify-email and /account/confirm-email ----
  function confirmPage(path, done) {
    var token = takeToken();
    if (!token) return;
    $('ask').hidden = false;
    $('confirm').addEventListener('click', async function () {
      var button = $('confirm');
      button.disabled = true;
      say('Confirming…');
      var answer = await post(path, { token: token });
      if (answer.ok) {
        $('ask').hidden = true;
        $('next').hidden = false;
        say(done(answer.data));
        return;
      }
      say(problemText(answer), true, answer.data.code);
      // A used, expired or unknown link stays so: another press would only fail again.
      if (isTokenProblem(answer)) $('ask').hidden = true; else button.disabled = false;
    });
  }

  function confirmedText(fallback) {
    return function (data) {
      if (data.message && data.email) return data.message + ' (' + data.email + ')';
      return data.message || fallback;
    };
  }

  // ---- /account/reset-password ----
  function showFieldErrors(errors) {
    var list = $('field-errors');
    list.textContent = '';
    (errors || []).forEach(function (error) {
      var item = document.createElement('li');
      item.textContent = error.message || String(error);
      list.appendChild(item);
    });
    list.hidden = list.childElementCount === 0;
  }

  function resetPage() {
    var token = takeToken();
    if (!token) {
      $('ask-again').hidden = false;
      return;
    }
    var form = $('reset-form');
    var password = $('new-password');
    var repeat = $('repeat-password');
    form.hidden = false;

    form.addEventListener('submit', async function (event) {
      event.preventDefault();
      showFieldErrors([]);
      if (password.value !== repeat.value) {
        say('The two passwords differ: type the same new password twice.', true);
        repeat.focus();
        return;
      }
      $('reset-submit').disabled = true;
      say('Setting the new password…');
      var answer = await post('/v1/auth/password/reset', { token: token, newPassword: password.value });
      $('reset-submit').disabled = false;
      if (answer.ok) {
        form.hidden = true;
        password.value = '';
        repeat.value = '';
        $('next').hidden = false;
        say(answer.data.message || 'Your password has been changed.');
        return;
      }
      say(problemText(answer), true, answer.data.code);
      showFieldErrors(answer.data.errors);
      if (isTokenProblem(answer)) {
        form.hidden = true;
        $('ask-again').hidden = false;
      }
    });
  }

  // ---- /account/forgot-password ----
  function forgotPage() {
    $('forgot-form').addEventListener('submit', async function (event) {
      event.preventDefault();
      $('forgot-submit').disabled = true;
      say('Sending…');
      var answer = await post('/v1/auth/password/forgot', { email: $('email').value.trim() });
      $('forgot-submit').disabled = false;
      // The answer is the same whether or not the address has an account; only a refusal (a malformed
      // address, too many requests) is shown as an error.
      if (answer.ok) say(answer.data.message || 'If an account uses this address, a reset link is on its way.');
      else say(problemText(answer), true, answer.data.code);
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var page = document.body.dataset.page;
    if (page === 'verify-email') confirmPage('/v1/auth/email/verify', confirmedText('Your e-mail address is confirmed.'));
    if (page === 'confirm-email') confirmPage('/v1/auth/email/confirm-change', confirmedText('Your new e-mail address is confirmed.'));
    if (page === 'reset-password') resetPage();
    if (page === 'forgot-password') forgotPage();
  });
})();
`;
