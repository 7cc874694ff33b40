import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { isBasicScope } from './state';

/**
 * The fake "Sign in with Google" consent screen: server-rendered, no script, readable on a phone.
 * Like Google's granular consent, sign-in scopes (openid, email, profile) are always shared and
 * every other requested scope has its own checkbox, ticked by default.
 */

const SCOPE_LABELS: Record<string, string> = {
  'https://mail.google.com/': 'Read, compose, send and permanently delete all your email from Gmail',
  'https://www.googleapis.com/auth/gmail.readonly': 'View your email messages and settings',
  'https://www.googleapis.com/auth/gmail.compose': 'Manage drafts and send emails',
  'https://www.googleapis.com/auth/gmail.modify': 'Read, compose and send emails from your Gmail account',
  'https://www.googleapis.com/auth/gmail.metadata':
    'View your email message metadata such as labels and headers, but not the email body',
  'https://www.googleapis.com/auth/userinfo.email': 'See your primary Google Account email address',
  'https://www.googleapis.com/auth/userinfo.profile':
    'See your personal info, including any personal info you have made publicly available',
  openid: 'Associate you with your personal info on Google',
};

export const scopeLabel = (scope: string) => SCOPE_LABELS[scope] ?? scope;

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f1f1f;background:#f0f4f9}
main{max-width:30rem;margin:0 auto;padding:1rem}
.card{background:#fff;border-radius:1.75rem;padding:1.5rem}
.brand{font-weight:600;color:#5f6368;margin:0 0 1rem}
h1{font-size:1.5rem;font-weight:400;margin:0 0 .5rem}
.account{display:inline-block;border:1px solid #c4c7c5;border-radius:1rem;padding:.125rem .75rem;font-size:.875rem;margin-bottom:1rem}
fieldset{border:0;margin:0 0 1rem;padding:0}
legend{font-weight:600;margin-bottom:.5rem}
label{display:flex;gap:.75rem;align-items:flex-start;padding:.75rem 0;border-top:1px solid #e3e3e3;cursor:pointer}
input[type=checkbox]{width:1.25rem;height:1.25rem;flex:none;margin-top:.15rem}
ul{padding-left:1.25rem;margin:.25rem 0 1rem}
.note{font-size:.875rem;color:#444746;overflow-wrap:anywhere}
.actions{display:flex;gap:.75rem;justify-content:flex-end;flex-wrap:wrap;margin-top:1.5rem}
button{font:inherit;border-radius:1.25rem;padding:.625rem 1.5rem;min-height:2.75rem;cursor:pointer}
.cancel{background:#fff;color:#0b57d0;border:1px solid #747775}
.allow{background:#0b57d0;color:#fff;border:0}
button:focus-visible,input:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
.error h1{color:#b3261e}
`;

function layout(title: string, body: HtmlEscapedString | Promise<HtmlEscapedString>) {
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title}</title>
    <style>${STYLE}</style>
  </head>
  <body>
    <main>${body}</main>
  </body>
</html>`;
}

export function consentPage(opts: { requestId: string; appName: string; email: string; scopes: string[] }) {
  const basic = opts.scopes.filter(isBasicScope);
  const optional = opts.scopes.filter((s) => !isBasicScope(s));
  return layout(
    `Sign in - Google Accounts`,
    html`<div class="card">
      <p class="brand">Google (sandbox)</p>
      <h1>${opts.appName} wants access to your Google Account</h1>
      <span class="account" aria-label="Signed-in account">${opts.email}</span>
      <form method="post" action="auth">
        <input type="hidden" name="request_id" value="${opts.requestId}" />
        ${
          basic.length
            ? html`<p class="note">When you continue, Google shares with ${opts.appName}:</p>
              <ul>
                ${basic.map((s) => html`<li>${scopeLabel(s)}</li>`)}
              </ul>`
            : ''
        }
        ${
          optional.length
            ? html`<fieldset>
              <legend>Select what ${opts.appName} can access</legend>
              ${optional.map(
                (s, i) => html`<label for="scope-${i}"
                  ><input type="checkbox" id="scope-${i}" name="scope" value="${s}" checked />
                  <span>${scopeLabel(s)}<br /><small class="note">${s}</small></span></label
                >`,
              )}
            </fieldset>`
            : ''
        }
        <p class="note">Make sure you trust ${opts.appName}. You can remove its access in your Google Account at any time.</p>
        <div class="actions">
          <button type="submit" name="action" value="cancel" class="cancel">Cancel</button>
          <button type="submit" name="action" value="allow" class="allow">Allow</button>
        </div>
      </form>
    </div>`,
  );
}

export function errorPage(status: number, error: string, description: string) {
  return layout(
    `Error ${status}: ${error}`,
    html`<div class="card error" role="alert">
      <p class="brand">Google (sandbox)</p>
      <h1>Access blocked: authorization error</h1>
      <p>${description}</p>
      <p class="note">Error ${status}: ${error}</p>
    </div>`,
  );
}
