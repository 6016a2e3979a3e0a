// What the settings screens share: the page frame (heading, a way back to the index), a
// labelled checkbox with its hint, comma-separated lists, and the save notice.
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';

export function SettingsScreen({ title, lead, children }: { title: string; lead: string; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · Settings · Roster`;
  }, [title]);
  return (
    <main class="screen settings">
      <p>
        <a href="/admin/settings">← Settings</a>
      </p>
      <h1>{title}</h1>
      <p class="lead">{lead}</p>
      {children}
    </main>
  );
}

export function Checkbox(props: { id: string; label: string; hint?: string; checked: boolean; onChange: (checked: boolean) => void }) {
  const hintId = props.hint ? `${props.id}-hint` : undefined;
  return (
    <div class="check">
      <input
        id={props.id}
        type="checkbox"
        checked={props.checked}
        aria-describedby={hintId}
        onChange={(event) => props.onChange(event.currentTarget.checked)}
      />
      <label for={props.id}>{props.label}</label>
      {props.hint && (
        <p id={hintId} class="hint">
          {props.hint}
        </p>
      )}
    </div>
  );
}

/** "a.example, b.example" as a list (blanks dropped), and back. */
export function listOf(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter(Boolean);
}

export function textOf(list: readonly string[]): string {
  return list.join(', ');
}
