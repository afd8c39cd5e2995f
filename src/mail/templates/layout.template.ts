/**
 * The HTML frame of every mail: one centred 560px table, inline styles only, no images or web
 * fonts, because that is what renders alike in Outlook, Gmail and Apple Mail.
 */
export const htmlLayout = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><%= it.subject %></title>
</head>
<body style="margin:0;padding:0;background-color:#f4f4f5;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f4f4f5;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" border="0" style="max-width:560px;width:100%;background-color:#ffffff;border-radius:6px;">
<tr><td style="padding:24px 32px 0 32px;font-family:Arial,Helvetica,sans-serif;font-size:18px;font-weight:bold;color:#18181b;"><%= it.appName %></td></tr>
<tr><td style="padding:16px 32px 32px 32px;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:22px;color:#27272a;">
<%~ it.body %>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;

/** A button that is a plain link (works where buttons do not), followed by the URL in full for clients that strip links. */
export const button = (url: string, label: string) => `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:24px 0;"><tr>
<td style="background-color:#2563eb;border-radius:4px;"><a href="<%= ${url} %>" style="display:inline-block;padding:12px 20px;font-family:Arial,Helvetica,sans-serif;font-size:15px;color:#ffffff;text-decoration:none;">${label}</a></td>
</tr></table>
<p style="margin:0 0 16px 0;font-size:13px;color:#52525b;">If the button does not work, copy this address into your browser:<br><a href="<%= ${url} %>" style="color:#2563eb;word-break:break-all;"><%= ${url} %></a></p>`;
