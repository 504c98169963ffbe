// Trail tags as CloudTrail has them: AddTags / RemoveTags / ListTags and CreateTrail's TagsList.
import { DomainError } from "./errors.ts";

export interface TrailTag {
  Key: string;
  Value?: string;
}

/** CloudTrail's limits: 50 tags per trail, keys up to 128 and values up to 256 Unicode characters. */
export const TRAIL_TAG_LIMITS = { tagsPerTrail: 50, keyLength: 128, valueLength: 256 } as const;

// What AWS allows in tag keys and values: letters, digits, white space and _ . : / = + - @.
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

const chars = (s: string) => [...s].length;
const invalid = (message: string) => new DomainError("InvalidTagParameterException", message);

/**
 * A request's TagsList, checked as AWS checks it: each key 1–128 characters, each value at most 256,
 * only the characters tags allow, no `aws:` prefix (reserved), no key twice. `field` names the
 * parameter in messages. Absent means no tags.
 */
export function parseTagsList(input: unknown, field = "TagsList"): TrailTag[] {
  if (input === undefined || input === null) return [];
  if (!Array.isArray(input)) throw invalid(`${field} must be a list of {Key, Value} tags.`);
  const seen = new Set<string>();
  return input.map((tag, i): TrailTag => {
    if (typeof tag !== "object" || tag === null || Array.isArray(tag)) throw invalid(`${field}[${i}] must be a {Key, Value} tag.`);
    const { Key: key, Value: value } = tag as Record<string, unknown>;
    if (typeof key !== "string" || key.length === 0) throw invalid(`${field}[${i}].Key is required.`);
    if (chars(key) > TRAIL_TAG_LIMITS.keyLength) throw invalid(`Tag key ${key.slice(0, 20)}… is longer than ${TRAIL_TAG_LIMITS.keyLength} characters.`);
    if (!TAG_TEXT.test(key)) throw invalid(`Tag key ${key} may contain only letters, digits, spaces and _ . : / = + - @.`);
    if (key.toLowerCase().startsWith("aws:")) throw invalid(`Tag key ${key} uses the reserved prefix aws:.`);
    if (seen.has(key)) throw invalid(`Tag key ${key} appears more than once.`);
    seen.add(key);
    if (value === undefined || value === null) return { Key: key };
    if (typeof value !== "string") throw invalid(`${field}[${i}].Value must be a string.`);
    if (chars(value) > TRAIL_TAG_LIMITS.valueLength) throw invalid(`The value of tag ${key} is longer than ${TRAIL_TAG_LIMITS.valueLength} characters.`);
    if (!TAG_TEXT.test(value)) throw invalid(`The value of tag ${key} may contain only letters, digits, spaces and _ . : / = + - @.`);
    return { Key: key, Value: value };
  });
}

/** The trail's tags after AddTags: a known key takes the new value; more than 50 in all is refused. */
export function addTrailTags(current: readonly TrailTag[], added: readonly TrailTag[]): TrailTag[] {
  const byKey = new Map(current.map((t) => [t.Key, t] as const));
  for (const t of added) byKey.set(t.Key, t);
  const next = [...byKey.values()];
  assertTagCount(next.length);
  return next;
}

/** The trail's tags after RemoveTags: keys not on the trail are ignored, as AWS does. */
export function removeTrailTags(current: readonly TrailTag[], removed: readonly TrailTag[]): TrailTag[] {
  const keys = new Set(removed.map((t) => t.Key));
  return current.filter((t) => !keys.has(t.Key));
}

export function assertTagCount(count: number): void {
  if (count > TRAIL_TAG_LIMITS.tagsPerTrail) {
    throw new DomainError("TagsLimitExceededException", `A trail can have at most ${TRAIL_TAG_LIMITS.tagsPerTrail} tags; this request would give it ${count}.`);
  }
}
