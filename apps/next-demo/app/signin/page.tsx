'use client';

import { signIn } from 'next-auth/react';
import { useState } from 'react';

export default function SignIn() {
  const [error, setError] = useState('');
  return (
    <form
      onSubmit={async (event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        const result = await signIn('credentials', {
          username: form.get('username'),
          password: form.get('password'),
          redirect: false,
        });
        if (result?.ok) window.location.href = '/profile';
        else setError('Wrong username or password');
      }}
    >
      <h1>Sign in</h1>
      <label>
        Username <input name="username" id="username" autoComplete="username" />
      </label>
      <label>
        Password{' '}
        <input name="password" id="password" type="password" autoComplete="current-password" />
      </label>
      <button type="submit" id="sign-in">
        Sign in
      </button>
      <p role="alert">{error}</p>
    </form>
  );
}
