import type { TemplateSource } from '../mail.templates';
import { button } from './layout.template';

const ignore = '<p style="margin:0;font-size:13px;color:#52525b;">';

export const welcomeTemplate: TemplateSource = {
  subject: 'Welcome to <%= it.appName %>: please confirm your e-mail address',
  text: `Hello <%= it.name %>,

welcome to <%= it.appName %>! Please confirm your e-mail address by opening this link (it works for 24 hours):

<%= it.verifyUrl %>

If you did not sign up, ignore this message.
`,
  html: `<p style="margin:0 0 16px 0;">Hello <%= it.name %>,</p>
<p style="margin:0 0 16px 0;">welcome to <%= it.appName %>! Please confirm your e-mail address (the link works for 24 hours).</p>
${button('it.verifyUrl', 'Confirm my e-mail address')}
${ignore}If you did not sign up, ignore this message.</p>`,
};

export const verifyEmailTemplate: TemplateSource = {
  subject: 'Confirm your e-mail address for <%= it.appName %>',
  text: `Hello <%= it.name %>,

please confirm your e-mail address by opening this link (it works for 24 hours):

<%= it.verifyUrl %>

If you did not ask for this, ignore this message.
`,
  html: `<p style="margin:0 0 16px 0;">Hello <%= it.name %>,</p>
<p style="margin:0 0 16px 0;">please confirm your e-mail address (the link works for 24 hours).</p>
${button('it.verifyUrl', 'Confirm my e-mail address')}
${ignore}If you did not ask for this, ignore this message.</p>`,
};

export const passwordResetTemplate: TemplateSource = {
  subject: 'Reset your <%= it.appName %> password',
  text: `Hello <%= it.name %>,

someone (we hope you) asked to reset your password. Choose a new one here (the link works for <%= it.expiresInMinutes %> minutes, once):

<%= it.resetUrl %>

If you did not ask for this, ignore this message: your password stays as it is.
`,
  html: `<p style="margin:0 0 16px 0;">Hello <%= it.name %>,</p>
<p style="margin:0 0 16px 0;">someone (we hope you) asked to reset your password. The link works for <%= it.expiresInMinutes %> minutes, once.</p>
${button('it.resetUrl', 'Choose a new password')}
${ignore}If you did not ask for this, ignore this message: your password stays as it is.</p>`,
};

export const emailChangeConfirmTemplate: TemplateSource = {
  subject: 'Confirm your new e-mail address for <%= it.appName %>',
  text: `Hello <%= it.name %>,

you asked to use <%= it.newEmail %> for your <%= it.appName %> account. Confirm it by opening this link (it works for 24 hours):

<%= it.confirmUrl %>

Until then your old address stays in use. If you did not ask for this, ignore this message.
`,
  html: `<p style="margin:0 0 16px 0;">Hello <%= it.name %>,</p>
<p style="margin:0 0 16px 0;">you asked to use <strong><%= it.newEmail %></strong> for your <%= it.appName %> account. Confirm it (the link works for 24 hours); until then your old address stays in use.</p>
${button('it.confirmUrl', 'Confirm my new address')}
${ignore}If you did not ask for this, ignore this message.</p>`,
};

export const emailChangedNoticeTemplate: TemplateSource = {
  subject: 'Your <%= it.appName %> e-mail address <%= it.applied ? "was changed" : "is being changed" %>',
  text: `Hello <%= it.name %>,

<% if (it.applied) { %>the e-mail address of your <%= it.appName %> account was changed to <%= it.maskedNewEmail %>.<% } else { %>someone asked to change the e-mail address of your <%= it.appName %> account to <%= it.maskedNewEmail %>. The change takes effect once the new address is confirmed.<% } %>

If this was not you, sign in and change your password at once, or contact your administrator.
`,
  html: `<p style="margin:0 0 16px 0;">Hello <%= it.name %>,</p>
<% if (it.applied) { %><p style="margin:0 0 16px 0;">the e-mail address of your <%= it.appName %> account was changed to <strong><%= it.maskedNewEmail %></strong>.</p><% } else { %><p style="margin:0 0 16px 0;">someone asked to change the e-mail address of your <%= it.appName %> account to <strong><%= it.maskedNewEmail %></strong>. The change takes effect once the new address is confirmed.</p><% } %>
<p style="margin:0;">If this was not you, sign in and change your password at once, or contact your administrator.</p>`,
};
