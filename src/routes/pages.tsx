import { Hono } from 'hono';
import { optOutUrl } from '../compliance/opt-out';
import { listComplianceRequests } from '../compliance/records';
import { currentSession } from '../http/session';
import type { Services } from '../services';
import { HomePage } from '../ui/home';
import { renderPage } from '../ui/layout';
import { PrivacyPage } from '../ui/privacy';

/** Public pages: the landing page (or straight to the dashboard when signed in) and the privacy page. */
export function publicPages(s: Services) {
  const app = new Hono();
  app.get('/', async (c) => {
    // An install started from Shopify (application_url with ?shop=&hmac=&timestamp=).
    const shop = c.req.query('shop');
    if (shop && c.req.query('hmac')) return c.redirect(`/connect/shopify?shop=${encodeURIComponent(shop)}`, 303);
    if ((await currentSession(c, s)) && !c.req.query('notice')) return c.redirect('/app', 303);
    return c.html(renderPage(<HomePage config={s.config} notice={c.req.query('notice')} />));
  });
  app.get('/privacy', async (c) => {
    const session = (await currentSession(c, s))?.session;
    const link = session ? optOutUrl(s.config.appUrl, session.accountId) : null;
    const requests = session ? await listComplianceRequests(s.db, session.accountId) : undefined;
    return c.html(
      renderPage(<PrivacyPage config={s.config} signedIn={!!session} optOutUrl={link} requests={requests} />),
    );
  });
  return app;
}
