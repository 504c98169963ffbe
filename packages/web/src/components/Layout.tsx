import { A, Navigate, type RouteSectionProps } from "@solidjs/router";
import { Match, Switch } from "solid-js";
import { session, signOut } from "../session.ts";
import { NoAccessPage, SubscriptionInactivePage } from "../routes/access-pages.tsx";
import { setTimeZone, timeZone } from "../lib/format.ts";
import { Loading } from "./States.tsx";

/** The "Activity log" section: header with the views, the signed-in user and sign-out. */
export function Layout(props: RouteSectionProps) {
  const me = () => {
    const s = session();
    return s.status === "signed-in" ? s.me : undefined;
  };
  const subscriptionInactive = () => {
    const m = me();
    return m !== undefined && "subscription" in m && !m.subscription.active;
  };
  const signedOut = () => {
    const s = session();
    return s.status === "signed-out" && !!s.signedOut;
  };
  return (
    <Switch>
      <Match when={session().status === "loading"}>
        <Loading label="Opening the console…" />
      </Match>
      <Match when={session().status === "signed-out"}>
        {/* After an expired session, back to the same page; after signing out, a fresh start. */}
        <Navigate href={signedOut() ? "/signin" : `/signin?next=${encodeURIComponent(props.location.pathname + props.location.search)}`} />
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
                <A href="/rules" activeClass="active">
                  Rules
                </A>
              </nav>
              <div class="who">
                {/* biome-ignore lint/a11y/useSemanticElements: a fieldset brings its own box; role="group" with a label is the same to assistive technology */}
                <div class="segmented segmented-small" role="group" aria-label="Time zone" title="Show times in UTC or in this browser's time zone">
                  <button type="button" aria-pressed={timeZone() === "utc"} onClick={() => setTimeZone("utc")}>
                    UTC
                  </button>
                  <button type="button" aria-pressed={timeZone() === "local"} onClick={() => setTimeZone("local")}>
                    Local
                  </button>
                </div>
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
