import { A, Navigate, type RouteSectionProps } from "@solidjs/router";
import { Match, Switch } from "solid-js";
import { session, signOut } from "../session.ts";
import { NoAccessPage, SubscriptionInactivePage } from "../routes/access-pages.tsx";
import { Loading } from "./States.tsx";

/** The "Activity log" section: header with the three views, the signed-in user and sign-out. */
export function Layout(props: RouteSectionProps) {
  const me = () => {
    const s = session();
    return s.status === "signed-in" ? s.me : undefined;
  };
  const subscriptionInactive = () => {
    const m = me();
    return m !== undefined && "subscription" in m && !m.subscription.active;
  };
  return (
    <Switch>
      <Match when={session().status === "loading"}>
        <Loading label="Opening the console…" />
      </Match>
      <Match when={session().status === "signed-out"}>
        <Navigate href={`/signin?next=${encodeURIComponent(props.location.pathname + props.location.search)}`} />
      </Match>
      <Match when={me()}>
        {(m) => (
          <div class="app">
            <header class="topbar">
              <a class="skip-link" href="#main">
                Skip to content
              </a>
              <div class="brand">
                <span class="brand-mark" aria-hidden="true" />
                Activity log
              </div>
              <nav aria-label="Activity log views" class="tabs">
                <A href="/events" activeClass="active">
                  Events
                </A>
                <A href="/reports" activeClass="active">
                  Reports
                </A>
                <A href="/trails" activeClass="active">
                  Trails
                </A>
              </nav>
              <div class="who">
                <span class="who-name" data-testid="signed-in-user">
                  {m().user.name}
                </span>
                <span class="who-account">@{m().account}</span>
                <button type="button" class="btn btn-ghost btn-small" onClick={() => void signOut()}>
                  Sign out
                </button>
              </div>
            </header>
            <main id="main" class="main" tabindex="-1">
              <Switch fallback={props.children}>
                <Match when={!m().access.admin}>
                  <NoAccessPage user={m().user.name} account={m().account} />
                </Match>
                <Match when={subscriptionInactive()}>
                  <SubscriptionInactivePage account={m().account} />
                </Match>
              </Switch>
            </main>
          </div>
        )}
      </Match>
    </Switch>
  );
}
