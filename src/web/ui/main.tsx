import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './shell/styles.css';
import { call, errorText, whoami, type Me } from './shell/api.ts';
import { session } from './shell/session.ts';
import { Link, match, usePath } from './shell/router.tsx';
import { PAGES } from './pages/registry.ts';

function Login(props: { onLogin: (me: Me) => void; reason?: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(props.reason ?? null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const a = await whoami(token.trim());
    if (!a.ok) return setError(a.status === 401 ? 'The token was refused: it is invalid, expired or revoked.' : errorText(a));
    session.save(token.trim());
    props.onLogin(a.body);
  };
  return (
    <main class="login">
      <h1>Strata</h1>
      <form onSubmit={submit} aria-describedby={error ? 'login-error' : undefined}>
        <label for="token">Token</label>
        <input id="token" name="token" type="password" autoComplete="off" required value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        <button type="submit">Log in</button>
        {error && <p id="login-error" role="alert" class="error">{error}</p>}
      </form>
    </main>
  );
}

function App() {
  const path = usePath();
  const [me, setMe] = useState<Me | null>(null);
  const [checked, setChecked] = useState(false);
  const [modules, setModules] = useState<string[]>([]);
  useEffect(() => {
    void call('GET', '/healthz').then((a) => setModules(a.body?.modules ?? []));
    const t = session.token();
    if (!t) return setChecked(true);
    void whoami(t).then((a) => {
      if (a.ok) setMe(a.body);
      else session.clear();
      setChecked(true);
    }).catch(() => setChecked(true));
  }, []);
  if (!checked) return <p class="loading">Loading…</p>;
  if (!me) return <Login onLogin={setMe} />;
  const [pathname, search] = path.split('?');
  const visible = PAGES.filter((p) => !p.module || modules.includes(p.module));
  let found: { page: (typeof PAGES)[number]; params: Record<string, string> } | undefined;
  for (const page of visible) {
    const params = match(page.path, pathname!);
    if (params) {
      found = { page, params };
      break;
    }
  }
  if (found) document.title = `${found.page.title} · Strata`;
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header>
        <nav aria-label="Pages">
          <span class="brand">Strata</span>
          {visible.filter((p) => p.nav).map((p) => (
            <Link to={p.path} aria-current={found?.page === p ? 'page' : undefined}>{p.title}</Link>
          ))}
        </nav>
        <span class="me" data-testid="me">{me.name} · {me.role}</span>
        <button type="button" onClick={() => { session.clear(); setMe(null); }}>Log out</button>
      </header>
      <main id="main" tabIndex={-1}>
        {found
          ? <found.page.component key={pathname} params={found.params} query={new URLSearchParams(search ?? '')} me={me} modules={modules} />
          : <p role="alert">No page at {pathname}{modules.length ? '' : ' (is its module running?)'}.</p>}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
