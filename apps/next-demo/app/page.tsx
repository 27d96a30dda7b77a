import { ErrorButtons } from './error-buttons';

export default function Home() {
  return (
    <>
      <h1>next-demo</h1>
      <p>
        Sign in as <code>alice</code> / <code>alice-demo-pass</code> (or bob, carol), then trigger
        errors. Each one reaches the inbox with your user.
      </p>
      <ErrorButtons />
    </>
  );
}
