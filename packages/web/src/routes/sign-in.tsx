import { useNavigate, useSearchParams } from "@solidjs/router";
import { createEffect, createSignal, Show } from "solid-js";
import { ApiError } from "../api.ts";
import { session, signIn } from "../session.ts";

export function SignInPage() {
  const [params] = useSearchParams<{ next?: string; account?: string }>();
  const navigate = useNavigate();
  const [account, setAccount] = createSignal(params.account ?? localStorage.getItem("al.account") ?? "");
  const [user, setUser] = createSignal("");
  const [password, setPassword] = createSignal("");
  const [error, setError] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);

  const target = () => (params.next?.startsWith("/") && !params.next.startsWith("//") ? params.next : "/events");
  createEffect(() => {
    if (session().status === "signed-in") navigate(target(), { replace: true });
  });
  const reason = () => {
    const s = session();
    return s.status === "signed-out" ? s.reason : undefined;
  };

  async function submit(e: SubmitEvent) {
    e.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      await signIn(account().trim(), user().trim(), password());
      localStorage.setItem("al.account", account().trim());
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      setPassword("");
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="signin-wrap">
      <form class="card signin" onSubmit={submit} aria-labelledby="signin-title">
        <div class="brand brand-large">
          <span class="brand-mark" aria-hidden="true" />
          Activity log
        </div>
        <h1 id="signin-title">Sign in to the console</h1>
        <Show when={reason() && !error()}>
          <p class="alert alert-info">{reason()}</p>
        </Show>
        <label class="field">
          <span>Account</span>
          <input name="account" autocomplete="organization" required value={account()} onInput={(e) => setAccount(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span>User name</span>
          <input name="user" autocomplete="username" required value={user()} onInput={(e) => setUser(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span>Password</span>
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            required
            value={password()}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <Show when={error()}>
          <p class="alert alert-error" role="alert">
            {error()}
          </p>
        </Show>
        <button type="submit" class="btn btn-primary btn-block" disabled={busy()}>
          {busy() ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </div>
  );
}
