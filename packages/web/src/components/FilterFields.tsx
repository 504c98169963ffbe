import { createUniqueId, For } from "solid-js";
import type { ReadOnlyChoice, TextField } from "../lib/filters.ts";
import { searchProblem } from "../lib/filters.ts";

/**
 * The filter editor's fields, shared by the Events view's filter bar and the rule form, so a rule
 * is written with exactly the fields (and words) the events were found with.
 */

type AttributeKey = Exclude<TextField, "search">;
const ATTRIBUTE_FIELDS: Record<AttributeKey, { label: string; placeholder: string; projects?: true }> = {
  eventName: { label: "Action", placeholder: "StopInstances" },
  userName: { label: "User", placeholder: "user name" },
  project: { label: "Project", placeholder: "any", projects: true },
  resourceName: { label: "Resource ID", placeholder: "i-0abc…" },
  eventSource: { label: "Event source", placeholder: "ec2.amazonaws.com" },
  accessKeyId: { label: "Access key", placeholder: "AKIA…" },
};

export function ReadOnlyField(props: { value: ReadOnlyChoice; onChange: (v: ReadOnlyChoice) => void }) {
  return (
    <label class="cfield">
      <span>Read only</span>
      <select name="readOnly" value={props.value} onChange={(e) => props.onChange(e.currentTarget.value as ReadOnlyChoice)}>
        <option value="false">No</option>
        <option value="true">Yes</option>
        <option value="all">All</option>
      </select>
    </label>
  );
}

export function ErrorsOnlyField(props: { checked: boolean; onChange: (on: boolean) => void }) {
  return (
    <label class="check">
      <input type="checkbox" name="errorsOnly" checked={props.checked} onChange={(e) => props.onChange(e.currentTarget.checked)} />
      Errors only
    </label>
  );
}

/**
 * The attribute fields (action, user, project, resource, source, access key). `live`: every keystroke
 * reaches `onChange` (a form saved by its button); otherwise a value applies on Enter or when the
 * field loses focus (the Events view, where each change runs a query).
 */
export function AttributeFields(props: {
  keys: AttributeKey[];
  values: Partial<Record<AttributeKey, string>>;
  onChange: (key: AttributeKey, value: string) => void;
  projects: string[];
  live?: boolean;
}) {
  const listId = createUniqueId();
  return (
    <>
      <For each={props.keys}>
        {(key) => (
          <label class="cfield">
            <span>{ATTRIBUTE_FIELDS[key].label}</span>
            <input
              name={key}
              placeholder={ATTRIBUTE_FIELDS[key].placeholder}
              value={props.values[key] ?? ""}
              list={ATTRIBUTE_FIELDS[key].projects ? `projects-${listId}` : undefined}
              spellcheck={false}
              autocomplete="off"
              onInput={(e) => props.live && props.onChange(key, e.currentTarget.value)}
              onKeyDown={(e) => !props.live && e.key === "Enter" && props.onChange(key, e.currentTarget.value)}
              onChange={(e) => !props.live && props.onChange(key, e.currentTarget.value)}
            />
          </label>
        )}
      </For>
      <datalist id={`projects-${listId}`}>
        <For each={props.projects}>{(p) => <option value={p} />}</For>
      </datalist>
    </>
  );
}

/** The case-sensitive search text, with the length rule said under it as you type. */
export function SearchField(props: { id: string; value: string; onInput: (v: string) => void; onBlur?: () => void; placeholder?: string }) {
  const hintId = `${props.id}-hint`;
  return (
    <>
      <label class="cfield grow">
        <span>Search</span>
        <input
          id={props.id}
          name="search"
          type="search"
          placeholder={props.placeholder ?? "Case-sensitive text"}
          value={props.value}
          spellcheck={false}
          onInput={(e) => props.onInput(e.currentTarget.value)}
          onBlur={() => props.onBlur?.()}
          aria-invalid={searchProblem(props.value) ? "true" : undefined}
          aria-describedby={hintId}
        />
      </label>
      <span id={hintId} class="hint hint-error">
        {searchProblem(props.value) ?? ""}
      </span>
    </>
  );
}
