import { existsSync } from "node:fs";

/** The AWS CLI the tests drive: Debian's v2 first, since a pyenv/pip v1 may shadow it on PATH. */
const AWS_CLI = existsSync("/usr/bin/aws") ? "/usr/bin/aws" : Bun.which("aws");

/** Only a developer machine without the CLI may skip; CI installs awscli and must run the CLI tests. */
export const skipWithoutAwsCli = !AWS_CLI && !process.env.CI;

/**
 * Runs `aws <args>` asynchronously (the server under test lives in this process's event loop) with
 * `key` and nothing from the user's own configuration, one attempt, no pager; `env` adds variables.
 */
export async function runAwsCli(
  args: string[],
  key: { accessKeyId: string; secretAccessKey: string },
  env: Record<string, string> = {},
): Promise<{ status: number; stdout: string; stderr: string }> {
  const child = Bun.spawn([AWS_CLI ?? "aws", ...args], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      AWS_ACCESS_KEY_ID: key.accessKeyId,
      AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      AWS_PAGER: "",
      AWS_MAX_ATTEMPTS: "1",
      ...env,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, status] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { status, stdout, stderr };
}
