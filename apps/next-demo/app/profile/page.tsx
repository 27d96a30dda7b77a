'use client';

import { useEffect, useState } from 'react';

/** Shows `/whoami`: the user exactly as @x would send it. */
export default function Profile() {
  const [whoami, setWhoami] = useState<unknown>(null);
  useEffect(() => {
    fetch('/whoami')
      .then((res) => res.json())
      .then(setWhoami, () => setWhoami({ error: 'could not load' }));
  }, []);
  return (
    <>
      <h1>Profile</h1>
      <p>What @x sends as the user of your requests:</p>
      <pre id="whoami">{whoami ? JSON.stringify(whoami, null, 2) : 'loading…'}</pre>
    </>
  );
}
