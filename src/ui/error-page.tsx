import type { Mode } from '../config';
import { Layout } from './layout';

/** The one error page style: a plain sentence, a way back, never a stack trace. */
export function ErrorPage(props: { mode: Mode; status: number; title: string; message: string; requestId?: string }) {
  return (
    <Layout title={props.title} mode={props.mode}>
      <h1>{props.title}</h1>
      <p class="lead">{props.message}</p>
      <div class="actions">
        <a class="button" href="/app">
          Go to your dashboard
        </a>
        <a class="button secondary" href="/">
          Home
        </a>
      </div>
      {props.requestId && (
        <p class="hint" style="margin-top:1.5rem">
          Error {props.status} · reference {props.requestId}
        </p>
      )}
    </Layout>
  );
}
