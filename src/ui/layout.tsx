import type { Mode } from '../config';
import type { Child } from 'hono/jsx';
import { STYLES } from './styles';

export interface LayoutProps {
  title: string;
  /** Shown as a badge in the header so nobody mistakes the sandbox for their real mailbox. */
  mode: Mode;
  /** A merchant is signed in: shows the account navigation. */
  signedIn?: boolean;
  children?: Child;
}

/** The one page frame every browser-facing page uses: header, navigation, main, footer. */
export function Layout({ title, mode, signedIn = false, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{`${title} · Draftline`}</title>
        <style dangerouslySetInnerHTML={{ __html: STYLES }} />
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href="/">
            Draftline
          </a>
          {mode === 'sandbox' && <span class="badge">Sandbox</span>}
          <nav aria-label="Account">
            {signedIn ? (
              <>
                <a href="/app">Status</a>
                <a href="/app/settings">Settings</a>
                <a href="/privacy">Privacy</a>
              </>
            ) : (
              <a href="/privacy">Privacy</a>
            )}
          </nav>
        </header>
        <main id="main">{children}</main>
        <footer class="foot">
          <p>
            Draftline writes drafts and never sends mail. It keeps no email or order content.{' '}
            <a href="/privacy">What we store</a>
          </p>
        </footer>
      </body>
    </html>
  );
}

/** Renders a page element as a complete HTML document. */
export function renderPage(page: unknown): string {
  return `<!doctype html>${String(page)}`;
}
