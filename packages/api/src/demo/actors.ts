/**
 * Who makes the demo's calls: four people in the console, the admin's scripts on the AWS CLI, a
 * deploy bot with one access key per project, and the system user that polls status. Each has a
 * fixed source IP and user agent, and the projects they may change.
 */
import { DEMO_PROJECTS, type Project } from "./world.ts";

export interface Actor {
  userName: string;
  kind: "human" | "bot" | "system";
  sourceIp: string;
  userAgent: string;
  /** Projects this actor works in; writes elsewhere are refused (UnauthorizedOperation). */
  projects: Project[];
  /** How often the actor tries to change something outside its projects. */
  strayWrites: number;
  accessKeyId: string | null;
}

/** Access key ids that API-calling actors use (their keys exist in the account). */
export interface DemoAccessKeys {
  admin: string;
  deployBotProduction: string;
  deployBotStaging: string;
}

const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const BROWSER_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15";
const AWS_CLI =
  "aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#debian.12 md/prompt#off md/command#ec2.describe-instances";
const SDK_GO = "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.173.0";
const INTERNAL = "k2cloud-internal/3.4 (monitoring)";

const human = (userName: string, sourceIp: string, userAgent: string, projects: Project[], strayWrites = 0): Actor => ({
  userName,
  kind: "human",
  sourceIp,
  userAgent,
  projects,
  strayWrites,
  accessKeyId: null,
});

/** The deploy bot is one user with a key per project; each key acts as its own actor. */
const deployBot = (project: Project, accessKeyId: string): Actor => ({
  userName: "deploy-bot",
  kind: "bot",
  sourceIp: "192.0.2.15",
  userAgent: SDK_GO,
  projects: [project],
  strayWrites: 0,
  accessKeyId,
});

export function createActors(accessKeys: DemoAccessKeys) {
  const admin = human("admin", "203.0.113.10", BROWSER, [...DEMO_PROJECTS]);
  return {
    admin,
    /** The admin's scripts: the AWS CLI with the admin's key. */
    adminCli: { ...admin, userAgent: AWS_CLI, accessKeyId: accessKeys.admin },
    alice: human("alice", "198.51.100.23", BROWSER_MAC, ["production", "staging"]),
    // Bob sometimes wanders into production, where he may not change anything.
    bob: human("bob", "198.51.100.77", BROWSER, ["staging", "default"], 0.15),
    carol: human("carol", "203.0.113.54", BROWSER, ["production", "staging", "default"]),
    deployBotProduction: deployBot("production", accessKeys.deployBotProduction),
    deployBotStaging: deployBot("staging", accessKeys.deployBotStaging),
    system: {
      userName: "system",
      kind: "system",
      sourceIp: "10.10.0.5",
      userAgent: INTERNAL,
      projects: [...DEMO_PROJECTS],
      strayWrites: 0,
      accessKeyId: null,
    },
  } satisfies Record<string, Actor>;
}

export type Actors = ReturnType<typeof createActors>;

/** The people who sign in to the console, in the order their days are planned (part of the seeded output). */
export const consoleUsers = (actors: Actors): Actor[] => [actors.admin, actors.alice, actors.bob, actors.carol];
