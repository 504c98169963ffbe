/**
 * Who is signed in, shared by every view: the /me answer (user, account, projects, access,
 * subscription, limits) or null. The CSRF token comes with it, so a reload keeps working.
 */
import { createSignal } from "solid-js";
import { api, ApiError, call, type Me, onAuthError, setCsrfToken } from "./api.ts";

/** `signedOut`: the user signed out (the next user starts afresh, not on this user's page). */
type SessionState = { status: "loading" } | { status: "signed-out"; reason?: string; signedOut?: boolean } | { status: "signed-in"; me: Me };

const [state, setState] = createSignal<SessionState>({ status: "loading" });
export const session = state;

/** The /me answer of an ActivityLogAdministrators member; a non-member's answer holds only who they are. */
export function member() {
  const s = state();
  return s.status === "signed-in" && "quotas" in s.me ? s.me : undefined;
}

export async function loadMe(): Promise<void> {
  try {
    const me = await call(api.me.$get());
    setCsrfToken(me.csrfToken);
    setState({ status: "signed-in", me });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) setState({ status: "signed-out" });
    else setState({ status: "signed-out", reason: e instanceof Error ? e.message : String(e) });
  }
}

export async function signIn(account: string, user: string, password: string): Promise<void> {
  const answer = await call(api.session.$post({ json: { account, user, password } }));
  // call() throws on any error answer; the route's only answer type is the signed-in one.
  setCsrfToken(answer.csrfToken);
  await loadMe();
}

export async function signOut(): Promise<void> {
  try {
    await call(api.session.$delete());
  } finally {
    setCsrfToken("");
    setState({ status: "signed-out", signedOut: true });
  }
}

/** A 401 anywhere means the session ended (expired or signed out elsewhere); access errors refresh /me. */
onAuthError((e) => {
  if (e.status === 401) setState({ status: "signed-out", reason: "Your session has ended. Sign in again." });
  else void loadMe();
});
