import type { MiddlewareHandler } from 'hono';
import type { Config } from '../config';
import { toBase64, utf8 } from '../crypto/encoding';
import { STYLES } from '../ui/styles';

/**
 * Content-Security-Policy and Permissions-Policy on every response (hono/secure-headers, mounted
 * next to it in app.ts, sets the rest). What the pages need, and nothing more:
 *
 * - No page runs script: `script-src 'none'` (and `default-src 'none'` for everything unlisted).
 * - The one stylesheet is inlined by ui/layout.tsx; it is allowed by its SHA-256, computed once from
 *   ui/styles.ts, so an injected <style> is not. A few elements carry a `style` attribute, allowed by
 *   `style-src-attr` (browsers without it fall back to style-src and drop only those attributes).
 * - Forms post to our own routes (`form-action 'self'`). The connect page's Shopify and WooCommerce
 *   forms post to /connect/…, which redirect to the store's own authorize screen; Chrome checks
 *   form-action against that redirect too, so that page also allows https: (any `*.myshopify.com`,
 *   any WooCommerce store; the sandbox also takes http:// stores). Google sign-in is a link, not a form.
 * - No framing (`frame-ancestors 'none'`; the Shopify app is not embedded), no <base>.
 *
 * The sandbox's fake consent screens (/sandbox/…, sandbox mode only) stand in for Google's, Shopify's
 * and WooCommerce's own pages, which have their own inline styles and send the browser back to the app:
 * they get `style-src 'unsafe-inline'` and may post back to APP_URL. They still run no script.
 */

/** Pages whose forms end, through our redirect, at another site. */
const EXTERNAL_FORM_TARGETS: Record<string, (mode: Config['mode']) => string[]> = {
  '/app/connect': (mode) => (mode === 'sandbox' ? ['https:', 'http:'] : ['https:']),
};

const SANDBOX_FAKES = /^\/sandbox(\/|$)/;

/** Every powerful feature denied: no page uses any of them. */
export const PERMISSIONS_POLICY = [
  'accelerometer',
  'autoplay',
  'browsing-topics',
  'camera',
  'display-capture',
  'encrypted-media',
  'fullscreen',
  'geolocation',
  'gyroscope',
  'hid',
  'identity-credentials-get',
  'idle-detection',
  'interest-cohort',
  'magnetometer',
  'microphone',
  'midi',
  'payment',
  'picture-in-picture',
  'publickey-credentials-create',
  'publickey-credentials-get',
  'screen-wake-lock',
  'serial',
  'usb',
  'xr-spatial-tracking',
]
  .map((feature) => `${feature}=()`)
  .join(', ');

let stylesHash: Promise<string> | undefined;
/** `'sha256-…'` of the inlined stylesheet, exactly as ui/layout.tsx writes it between <style> tags. */
export function stylesheetHash(): Promise<string> {
  stylesHash ??= crypto.subtle
    .digest('SHA-256', utf8(STYLES) as BufferSource)
    .then((digest) => `'sha256-${toBase64(new Uint8Array(digest))}'`);
  return stylesHash;
}

export function contentSecurityPolicy(opts: {
  path: string;
  mode: Config['mode'];
  appOrigin: string;
  styleHash: string;
}): string {
  const fake = opts.mode === 'sandbox' && SANDBOX_FAKES.test(opts.path);
  const formAction = [
    "'self'",
    ...(fake ? [opts.appOrigin] : []),
    ...(EXTERNAL_FORM_TARGETS[opts.path]?.(opts.mode) ?? []),
  ];
  return [
    "default-src 'none'",
    "script-src 'none'",
    fake ? "style-src 'unsafe-inline'" : `style-src ${opts.styleHash}`,
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    `form-action ${formAction.join(' ')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export function pageSecurityHeaders(config: Pick<Config, 'mode' | 'appUrl'>): MiddlewareHandler {
  const appOrigin = new URL(config.appUrl).origin;
  return async (c, next) => {
    const styleHash = await stylesheetHash();
    await next();
    c.header(
      'Content-Security-Policy',
      contentSecurityPolicy({ path: c.req.path, mode: config.mode, appOrigin, styleHash }),
    );
    c.header('Permissions-Policy', PERMISSIONS_POLICY);
  };
}
