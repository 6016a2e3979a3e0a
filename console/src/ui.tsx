// Small accessible building blocks shared by every screen.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

export function Page({ title, children }: { title: string; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · Roster`;
  }, [title]);
  return (
    <main class="card">
      <p class="brand">Roster</p>
      <h1>{title}</h1>
      {children}
    </main>
  );
}

export function Field(props: {
  id: string;
  label: string;
  type?: 'text' | 'password';
  value: string;
  onInput: (value: string) => void;
  autoComplete?: string;
  required?: boolean;
  hint?: string;
  autoFocus?: boolean;
}) {
  const hintId = props.hint ? `${props.id}-hint` : undefined;
  const common = {
    id: props.id,
    name: props.id,
    value: props.value,
    autoComplete: props.autoComplete,
    required: props.required ?? true,
    'aria-describedby': hintId,
    autoFocus: props.autoFocus,
    onInput: (event: { currentTarget: HTMLInputElement }) => props.onInput(event.currentTarget.value),
  };
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {/* Preact types each input type apart (a password field takes no role or list). */}
      {props.type === 'password' ? <input type="password" {...common} /> : <input type={props.type ?? 'text'} {...common} />}
      {props.hint && (
        <p id={hintId} class="hint">
          {props.hint}
        </p>
      )}
    </div>
  );
}

/** An error or notice, announced by screen readers when it appears, and focused unless the
 * screen puts the focus somewhere itself (`focus={false}`: it is still announced). */
export function Alert({
  message,
  tone = 'error',
  focus = true,
}: {
  message: string | null;
  tone?: 'error' | 'info';
  focus?: boolean;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (message && focus) ref.current?.focus();
  }, [message, focus]);
  return (
    <div
      ref={ref}
      tabIndex={-1}
      role={tone === 'error' ? 'alert' : 'status'}
      aria-live={tone === 'error' ? 'assertive' : 'polite'}
      class={message ? `alert alert-${tone}` : 'alert-empty'}
    >
      {message}
    </div>
  );
}

/** The token of an emailed link (#token=...), read once and then removed from the address bar. */
export function tokenFromFragment(): string | null {
  const token = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (token) history.replaceState(history.state, '', window.location.pathname + window.location.search);
  return token;
}

export const PASSWORD_HINT = 'At least 12 characters.';
