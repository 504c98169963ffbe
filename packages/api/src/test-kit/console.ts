/**
 * Clients of a running test server's own APIs, as their real users hold them: a cookie-keeping
 * console browser (session cookie, CSRF token) and the operator API with its bearer token.
 */
import { TEST_OPERATOR_TOKEN } from "./config.ts";

export interface ConsoleBrowser {
  /** A /api/v1 request with the session cookie and CSRF token so far; `json` is sent as the body. */
  fetch(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /** POST /api/v1/session; keeps the CSRF token of a success. */
  signIn(account: string, user: string, password: string, headers?: Record<string, string>): Promise<Response>;
}

export function consoleBrowser(server: { url: string }): ConsoleBrowser {
  let cookie = "";
  let csrf = "";
  const browser: ConsoleBrowser = {
    async fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      if (cookie) headers.set("cookie", cookie);
      if (csrf && !headers.has("x-csrf-token")) headers.set("x-csrf-token", csrf);
      if (init.json !== undefined) headers.set("content-type", "application/json");
      const res = await fetch(`${server.url}/api/v1${path}`, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
      const set = res.headers.get("set-cookie");
      if (set) cookie = set.split(";")[0]!;
      return res;
    },
    async signIn(account, user, password, headers = {}) {
      const res = await browser.fetch("/session", { method: "POST", json: { account, user, password }, headers });
      if (res.ok) csrf = ((await res.clone().json()) as { csrfToken: string }).csrfToken;
      return res;
    },
  };
  return browser;
}

/** A request to the operator API (/internal/v1/operator) of a running server. */
export function operatorRequest(server: { url: string }, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${server.url}/internal/v1/operator${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_OPERATOR_TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
