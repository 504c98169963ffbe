import { and, asc, eq, gte, isNull, lte, or } from "drizzle-orm";
import type { Database } from "./client.ts";
import { signingKeys } from "./schema/trails.ts";

/** The RSA key pairs digests are signed with (signing_keys rows); see trails/signing-keys.ts. */

export type SigningKeyRow = typeof signingKeys.$inferSelect;

/** The region's current pair, or null. */
export async function currentSigningKey(database: Database, region: string): Promise<SigningKeyRow | null> {
  const [row] = await database.db
    .select()
    .from(signingKeys)
    .where(and(eq(signingKeys.region, region), isNull(signingKeys.validTo)))
    .limit(1);
  return row ?? null;
}

/**
 * Makes `next` the region's current pair, closing `previous` (the one the caller saw as current) at
 * `next.validFrom`. Returns false when another worker rotated first (the caller re-reads).
 */
export async function rotateSigningKey(database: Database, previous: SigningKeyRow | null, next: SigningKeyRow): Promise<boolean> {
  return database.db.transaction(async (tx) => {
    if (previous) {
      const closed = await tx
        .update(signingKeys)
        .set({ validTo: next.validFrom })
        .where(and(eq(signingKeys.fingerprint, previous.fingerprint), isNull(signingKeys.validTo)))
        .returning({ fingerprint: signingKeys.fingerprint });
      if (closed.length === 0) return false;
    }
    // Without a previous pair, a concurrent first pair wins the unique index on the current one.
    const inserted = await tx.insert(signingKeys).values(next).onConflictDoNothing().returning({ fingerprint: signingKeys.fingerprint });
    return inserted.length > 0;
  });
}

/** The region's pairs whose validity overlaps [from, to], oldest first (ListPublicKeys). */
export async function signingKeysBetween(database: Database, region: string, from: Date, to: Date): Promise<SigningKeyRow[]> {
  return database.db
    .select()
    .from(signingKeys)
    .where(and(eq(signingKeys.region, region), lte(signingKeys.validFrom, to), or(isNull(signingKeys.validTo), gte(signingKeys.validTo, from))))
    .orderBy(asc(signingKeys.validFrom));
}

export async function signingKeyByFingerprint(database: Database, fingerprint: string): Promise<SigningKeyRow | null> {
  const [row] = await database.db.select().from(signingKeys).where(eq(signingKeys.fingerprint, fingerprint)).limit(1);
  return row ?? null;
}
