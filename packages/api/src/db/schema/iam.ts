import { sql } from "drizzle-orm";
import { boolean, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/**
 * A customer company. `id` is its 12-digit account id (random, never reused), what AWS tooling sees:
 * events, ARNs, archive keys. `alias` is the name people type (console sign-in, the operator CLI).
 */
export const accounts = pgTable(
  "accounts",
  {
    id: text("id").primaryKey(),
    alias: text("alias").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("accounts_alias").on(t.alias)],
);

/** The account a tenant row belongs to: every such table carries it, and its rows go with the account. */
export const accountIdColumn = () =>
  text("account_id")
    .notNull()
    .references(() => accounts.id, { onDelete: "cascade" });

export const projects = pgTable(
  "projects",
  {
    accountId: accountIdColumn(),
    name: text("name").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.name] })],
);

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    accountId: accountIdColumn(),
    name: text("name").notNull(),
    /** The account's system user: logged like anyone, never signs in to the console. */
    isSystem: boolean("is_system").notNull().default(false),
    /** Bun.password hash (argon2id); null for users without console access. */
    passwordHash: text("password_hash"),
    /** Set by an operator: the user's keys and sessions stop working at once, and sign-in is refused. */
    disabledAt: timestamp("disabled_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("users_account_name").on(t.accountId, t.name),
    // Exactly one system user per account.
    uniqueIndex("users_one_system").on(t.accountId).where(sql`${t.isSystem}`),
  ],
);

/** The user a row belongs to; its rows go with the user. */
const userIdColumn = () =>
  uuid("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" });

/** Group membership within a project; ActivityLogAdministrators is the one this service reads. */
export const groupMembers = pgTable(
  "group_members",
  {
    accountId: text("account_id").notNull(),
    userId: userIdColumn(),
    project: text("project").notNull(),
    groupName: text("group_name").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.project, t.groupName] }), index("group_members_account").on(t.accountId)],
);

/** SigV4 key pairs. Each belongs to one user and one project; the secret is encrypted with SECRET_KEY. */
export const accessKeys = pgTable(
  "access_keys",
  {
    accessKeyId: text("access_key_id").primaryKey(),
    accountId: accountIdColumn(),
    userId: userIdColumn(),
    project: text("project").notNull(),
    secretEncrypted: text("secret_encrypted").notNull(),
    status: text("status", { enum: ["Active", "Inactive"] })
      .notNull()
      .default("Active"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("access_keys_user").on(t.userId)],
);

/** Console sessions. Only a hash of the cookie token is stored. */
export const sessions = pgTable(
  "sessions",
  {
    tokenHash: text("token_hash").primaryKey(),
    accountId: accountIdColumn(),
    userId: userIdColumn(),
    csrfToken: text("csrf_token").notNull(),
    sourceIp: text("source_ip"),
    userAgent: text("user_agent"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    /** Set on sign-out or automatic sign-out; a closed session never authenticates again. */
    closedAt: timestamp("closed_at", { withTimezone: true }),
  },
  (t) => [index("sessions_open_expiry").on(t.expiresAt).where(sql`${t.closedAt} is null`)],
);

/**
 * Sign-in guess budgets (core sign-in-throttle.ts), one row per key: an account+user from one
 * address, or one address. A guess is reserved in the row, under its lock, before the password is
 * checked, so parallel guesses cannot overrun the budget.
 */
export const signInThrottle = pgTable(
  "sign_in_throttle",
  {
    key: text("key").primaryKey(),
    windowStart: timestamp("window_start", { withTimezone: true }).notNull(),
    guesses: integer("guesses").notNull(),
    strikes: integer("strikes").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("sign_in_throttle_updated").on(t.updatedAt)],
);

/** Per-account overrides of the quota defaults in core/limits.ts. */
export const quotas = pgTable(
  "quotas",
  {
    accountId: accountIdColumn(),
    name: text("name").notNull(),
    value: integer("value").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.name] })],
);

export const subscriptions = pgTable("subscriptions", {
  accountId: text("account_id")
    .primaryKey()
    .references(() => accounts.id, { onDelete: "cascade" }),
  active: boolean("active").notNull(),
  changedAt: timestamp("changed_at", { withTimezone: true }).notNull().defaultNow(),
});
