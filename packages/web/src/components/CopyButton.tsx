import { createSignal } from "solid-js";

/** Copies text to the clipboard (a selection copy where the Clipboard API is unavailable: plain HTTP). */
async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
}

/** A small "Copy" button that says "Copied ✓" for two seconds. */
export function CopyButton(props: { text: string; label: string; title?: string; class?: string }) {
  const [copied, setCopied] = createSignal(false);
  return (
    <button
      type="button"
      class={props.class ?? "btn btn-small btn-ghost icon-btn"}
      aria-label={props.label}
      title={props.title ?? props.label}
      onClick={async (e) => {
        e.stopPropagation();
        await copyText(props.text);
        setCopied(true);
        setTimeout(() => setCopied(false), 2000);
      }}
    >
      {copied() ? "Copied ✓" : "Copy"}
    </button>
  );
}
