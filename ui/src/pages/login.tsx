import { useState } from 'preact/hooks';
import { api, login, logout, type Session } from '../api';
import { ErrorBox } from '../components';

export function Login() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [project, setProject] = useState('');
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await login(username, password, project || undefined);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login" id="main">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">OpenCloudEdge MANO</h1>
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            required
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <label>
          Project <span class="muted">(optional)</span>
          <input name="project" value={project} onInput={(e) => setProject(e.currentTarget.value)} />
        </label>
        <ErrorBox error={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}

/** The generated admin password must be changed first: the login's token allows only this. */
export function ChangePassword({ session }: { session: Session }) {
  const [old, setOld] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<Error>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    if (next !== again) return setError(new Error('the two new passwords differ'));
    try {
      await api(`/osm/admin/v1/users/${encodeURIComponent(session.userId)}`, {
        method: 'PATCH',
        body: { old_password: old, password: next },
      });
      // the change token is spent: log in again with the new password
      await login(session.username, next);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <main class="login" id="main">
      <form onSubmit={submit} aria-labelledby="cp-title">
        <h1 id="cp-title">Change your password</h1>
        <p>The password of {session.username} is the generated one; choose a new one to continue.</p>
        <label>
          Current password
          <input
            type="password"
            autoComplete="current-password"
            required
            value={old}
            onInput={(e) => setOld(e.currentTarget.value)}
          />
        </label>
        <label>
          New password
          <input
            type="password"
            autoComplete="new-password"
            required
            value={next}
            onInput={(e) => setNext(e.currentTarget.value)}
          />
        </label>
        <label>
          New password again
          <input
            type="password"
            autoComplete="new-password"
            required
            value={again}
            onInput={(e) => setAgain(e.currentTarget.value)}
          />
        </label>
        <ErrorBox error={error} />
        <button type="submit">Change password</button>
        <button type="button" class="link" onClick={() => void logout()}>
          Cancel
        </button>
      </form>
    </main>
  );
}
