/**
 * Messages shown after a redirect, chosen by a fixed code in the query string (?notice=...): the
 * URL never carries free text, so nobody can make our page say something we did not write.
 */
export const NOTICES: Record<string, { kind: 'ok' | 'warn' | 'bad'; title: string; body?: string }> = {
  signed_in: {
    kind: 'ok',
    title: 'Gmail connected.',
    body: 'Draftline can now read incoming mail and write drafts. Next, connect your store.',
  },
  signed_in_with_store: {
    kind: 'ok',
    title: 'Gmail connected.',
    body: 'Draftline can now read incoming mail and write drafts.',
  },
  signin_first: {
    kind: 'warn',
    title: 'Sign in first.',
    body: 'Sign in with Google, then connect your shop from the dashboard.',
  },
  signin_required: {
    kind: 'warn',
    title: 'Please sign in.',
    body: 'Your session ended (you signed out, it expired, or the account changed). Sign in with Google to continue.',
  },
  signed_out: { kind: 'ok', title: 'You are signed out.' },
  declined: {
    kind: 'warn',
    title: 'Sign-in cancelled.',
    body: 'You declined on Google’s screen, so nothing was connected and nothing was stored. You can try again whenever you like.',
  },
  partial_scopes: {
    kind: 'warn',
    title: 'Draftline needs both Gmail permissions.',
    body: 'One of the two boxes on Google’s screen was unticked. Draftline needs to read incoming mail (to understand the question) and to manage drafts (to write the reply). It never sends mail. Nothing was stored; please try again and leave both boxes ticked.',
  },
  no_refresh_token: {
    kind: 'warn',
    title: 'Google did not give Draftline lasting access.',
    body: 'Remove Draftline from your Google account’s third-party access page (myaccount.google.com/permissions), then sign in again.',
  },
  oauth_state: {
    kind: 'bad',
    title: 'That sign-in link has expired or was already used.',
    body: 'For your safety each sign-in works once. Start again below.',
  },
  google_error: {
    kind: 'bad',
    title: 'Google could not complete the sign-in.',
    body: 'Nothing was stored. Please try again in a minute.',
  },
  store_connected: {
    kind: 'ok',
    title: 'Store connected.',
    body: 'Draftline will look up orders there. Customer emails that arrive from now on get a reply draft.',
  },
  store_declined: {
    kind: 'warn',
    title: 'The store connection was not approved.',
    body: 'Nothing was stored. You can try again, or paste read-only API keys instead.',
  },
  store_pending: {
    kind: 'warn',
    title: 'Waiting for your store.',
    body: 'Your store has not delivered the keys yet. If this persists, paste read-only API keys instead.',
  },
  shop_invalid: {
    kind: 'bad',
    title: 'That is not a Shopify shop address.',
    body: 'Enter the shop’s myshopify.com address, like my-shop.myshopify.com.',
  },
  shopify_failed: {
    kind: 'bad',
    title: 'Shopify did not complete the installation.',
    body: 'Nothing was stored. Please start the installation again.',
  },
  store_url_invalid: {
    kind: 'bad',
    title: 'That store address cannot be used.',
    body: 'Enter your store’s public https address, like https://shop.example.com.',
  },
  store_keys_malformed: {
    kind: 'bad',
    title: 'Those are not WooCommerce API keys.',
    body: 'A key starts with ck_ and a secret with cs_, each followed by letters and digits. Nothing was sent to your store.',
  },
  store_keys_rejected: {
    kind: 'bad',
    title: 'Your store refused those keys.',
    body: 'Check that the key and secret are copied in full and have Read permission.',
  },
  store_moved: {
    kind: 'bad',
    title: 'Your store answered from another address.',
    body: 'Enter the address your shop shows in the browser’s address bar (https://, with or without www.), then try again.',
  },
  store_unreachable: {
    kind: 'bad',
    title: 'Your store did not answer.',
    body: 'Check the address and that the WooCommerce REST API is enabled, then try again.',
  },
  settings_saved: { kind: 'ok', title: 'Settings saved.' },
  policies_saved: { kind: 'ok', title: 'Store policies saved.', body: 'Replies quote them from now on.' },
  paused: {
    kind: 'ok',
    title: 'Drafting paused.',
    body: 'No drafts are written until you resume. Mail that arrives meanwhile is not drafted later.',
  },
  resumed: { kind: 'ok', title: 'Drafting resumed.' },
  optout_added: {
    kind: 'ok',
    title: 'Address added to the opt-out list.',
    body: 'Only a keyed hash of it was stored; mail from it will not be read or drafted.',
  },
  optout_removed: { kind: 'ok', title: 'Address removed from the opt-out list.' },
  optout_unknown: { kind: 'warn', title: 'That address was not on the opt-out list.' },
  gmail_disconnected: {
    kind: 'ok',
    title: 'Gmail disconnected.',
    body: 'Google revoked Draftline’s access and we deleted our copy of the token.',
  },
  gmail_disconnected_unconfirmed: {
    kind: 'warn',
    title: 'Gmail disconnected, but Google did not confirm.',
    body: 'We deleted our copy of the token. To be sure, remove Draftline at myaccount.google.com/permissions.',
  },
  store_disconnected: { kind: 'ok', title: 'Store disconnected.', body: 'We deleted the store’s access keys.' },
  account_deleted: {
    kind: 'ok',
    title: 'Your Draftline account is deleted.',
    body: 'Every record about it is gone; only a note that a deletion happened, with no details, is kept.',
  },
  sent: {
    kind: 'ok',
    title: 'Test email delivered.',
    body: 'Open the sandbox mailbox (See the mail and drafts) to see what Draftline did with it: the reply draft under it, or why it wrote none.',
  },
};
