import { Hono, type Context } from 'hono';
import { deleteAccount, disconnectGmail, disconnectStore } from '../accounts/disconnect';
import { exportAccount } from '../accounts/export';
import { updatePolicies } from '../accounts/policies';
import { addOptOut, OPT_OUT_REFUSAL_MESSAGES, removeOptOut, setPaused, updateSettings } from '../accounts/settings';
import { accountStatus } from '../accounts/status';
import { countOptOuts, optOutUrl } from '../compliance/opt-out';
import { listComplianceRequests } from '../compliance/records';
import { csrfProtection } from '../http/csrf';
import { endAllSessions, endSession, requireSession, startSession, type SessionVars } from '../http/session';
import type { Services } from '../services';
import { ConfirmPage } from '../ui/confirm';
import { renderPage } from '../ui/layout';
import { SettingsPage, type SettingsPageProps } from '../ui/settings';
import { policyFormValuesPosted } from '../ui/policies-section';
import { StatusPage } from '../ui/status';

type AppContext = Context<{ Variables: SessionVars }>;

/** Everything behind sign-in under /app: status, settings, opt-outs, disconnect, export, delete. */
export function accountRoutes(s: Services) {
  const app = new Hono<{ Variables: SessionVars }>();
  app.use('*', requireSession(s), csrfProtection(s.config.appUrl));
  // Pages that show account details are never cached by the browser or a proxy.
  app.use('*', async (c, next) => {
    await next();
    c.header('cache-control', 'no-store');
  });
  const accountId = (c: AppContext) => c.get('session').accountId;

  app.get('/', async (c) => {
    const [status, requests] = await Promise.all([
      accountStatus(s, accountId(c)),
      listComplianceRequests(s.db, accountId(c)),
    ]);
    if (!status) return c.redirect('/', 303);
    return c.html(
      renderPage(
        <StatusPage
          config={s.config}
          status={status}
          requests={requests}
          csrf={c.get('session').csrf}
          notice={c.req.query('notice')}
          now={s.now()}
        />,
      ),
    );
  });

  const settingsPage = async (
    c: AppContext,
    extra: Pick<SettingsPageProps, 'errors' | 'optOutError' | 'policies'> = {},
    status: 200 | 400 = 200,
  ) => {
    const account = c.get('account');
    const n = await countOptOuts(s.db, account.id);
    return c.html(
      renderPage(
        <SettingsPage
          config={s.config}
          account={account}
          csrf={c.get('session').csrf}
          notice={c.req.query('notice')}
          optOutCount={n}
          optOutUrl={optOutUrl(s.config.appUrl, account.id)}
          {...extra}
        />,
      ),
      status,
    );
  };
  app.get('/settings', (c) => settingsPage(c));
  app.post('/settings', async (c) => {
    const form = await c.req.parseBody({ all: true });
    const kinds = form.draftKinds;
    const result = await updateSettings(s, accountId(c), {
      ...form,
      draftKinds: kinds === undefined ? [] : Array.isArray(kinds) ? kinds : [kinds],
    });
    if (!result.ok) return settingsPage(c, { errors: result.errors }, 400);
    return c.redirect('/app/settings?notice=settings_saved', 303);
  });

  // A refused form is shown at the address it was posted to; reloading or sharing that address
  // (a GET) leads back to the form instead of a 404.
  app.get('/settings/policies', (c) => c.redirect('/app/settings#store-policies', 303));
  app.get('/optouts', (c) => c.redirect('/app/settings#optouts', 303));
  app.post('/settings/policies', async (c) => {
    const form = await c.req.parseBody();
    const result = await updatePolicies(s.db, accountId(c), form);
    if (!result.ok)
      return settingsPage(c, { policies: { values: policyFormValuesPosted(form), errors: result.errors } }, 400);
    return c.redirect('/app/settings?notice=policies_saved', 303);
  });

  app.post('/pause', async (c) => {
    await setPaused(s, accountId(c), true);
    return c.redirect('/app?notice=paused', 303);
  });
  app.post('/resume', async (c) => {
    await setPaused(s, accountId(c), false);
    return c.redirect('/app?notice=resumed', 303);
  });

  app.post('/optouts', async (c) => {
    const form = await c.req.parseBody();
    const change =
      form.action === 'remove'
        ? await removeOptOut(s, accountId(c), form.address)
        : await addOptOut(s, accountId(c), form.address);
    if (!change.ok) return settingsPage(c, { optOutError: OPT_OUT_REFUSAL_MESSAGES[change.reason] }, 400);
    const notice = form.action === 'remove' ? (change.changed ? 'optout_removed' : 'optout_unknown') : 'optout_added';
    return c.redirect(`/app/settings?notice=${notice}`, 303);
  });

  const confirm = (
    c: AppContext,
    props: Omit<Parameters<typeof ConfirmPage>[0], 'config' | 'csrf'>,
    status: 200 | 400 = 200,
  ) => c.html(renderPage(<ConfirmPage config={s.config} csrf={c.get('session').csrf} {...props} />), status);

  app.get('/disconnect/gmail', (c) =>
    confirm(c, {
      title: 'Disconnect Gmail?',
      explanation: [
        'Draftline will stop watching your inbox, ask Google to revoke its access, and delete its copy of the access token.',
        'No more drafts will be written. Drafts already in Gmail stay there. You can connect again at any time by signing in.',
      ],
      action: '/app/disconnect/gmail',
      confirmLabel: 'Disconnect Gmail',
    }),
  );
  app.post('/disconnect/gmail', async (c) => {
    const result = await disconnectGmail(s, accountId(c));
    // The mailbox was the identity every session signed in with: they all end (a browser left
    // signed in elsewhere would otherwise keep the account, and a mailbox signed in there would
    // join it). This browser carries on with a fresh session.
    await endAllSessions(s, accountId(c));
    await startSession(c, s, accountId(c));
    return c.redirect(`/app?notice=${result.revoked ? 'gmail_disconnected' : 'gmail_disconnected_unconfirmed'}`, 303);
  });

  app.get('/disconnect/store', (c) =>
    confirm(c, {
      title: 'Disconnect your store?',
      explanation: [
        'Draftline will delete its access keys for your store and stop looking up orders. No more drafts will be written until you connect a store again.',
      ],
      action: '/app/disconnect/store',
      confirmLabel: 'Disconnect store',
    }),
  );
  app.post('/disconnect/store', async (c) => {
    await disconnectStore(s, accountId(c));
    return c.redirect('/app?notice=store_disconnected', 303);
  });

  app.get('/export', async (c) => {
    const data = await exportAccount(s, accountId(c));
    c.header(
      'content-disposition',
      `attachment; filename="draftline-export-${new Date(s.now()).toISOString().slice(0, 10)}.json"`,
    );
    return c.json(data);
  });

  const deletePage = (c: AppContext, error?: string) =>
    confirm(
      c,
      {
        title: 'Delete your Draftline account?',
        explanation: [
          'This revokes Draftline’s access to Gmail, stops watching your inbox, disconnects your store and permanently deletes every record about your account: settings, consent records, opt-out list and counts.',
          'It cannot be undone. Drafts already in Gmail stay there.',
        ],
        action: '/app/delete',
        confirmLabel: 'Delete my account',
        typeToConfirm: 'DELETE',
        error,
      },
      error ? 400 : 200,
    );
  app.get('/delete', (c) => deletePage(c));
  app.post('/delete', async (c) => {
    const form = await c.req.parseBody();
    if (String(form.confirm ?? '').trim() !== 'DELETE')
      return deletePage(c, 'Type DELETE, in capital letters, to confirm.');
    await deleteAccount(s, accountId(c));
    await endSession(c, s);
    return c.redirect('/?notice=account_deleted', 303);
  });

  return app;
}
