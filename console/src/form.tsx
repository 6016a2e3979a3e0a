// Form parts for the admin and public pages alike: text fields and selects with their error
// below, and userErrors sorted to the field they name (the rest shown at the top of the form).
/** userErrors split into those at a known field (by the last step of their path) and the rest. */
export function sortErrors<K extends string>(
  userErrors: readonly { field?: readonly string[] | null; message: string }[],
  keys: readonly K[],
): { atFields: Partial<Record<K, string>>; rest: string | null } {
  const atFields: Partial<Record<K, string>> = {};
  const rest: string[] = [];
  for (const failure of userErrors) {
    const key = failure.field?.[failure.field.length - 1] as K | undefined;
    if (key && keys.includes(key)) atFields[key] = failure.message;
    else rest.push(failure.message);
  }
  return { atFields, rest: rest.join(' ') || null };
}

type Common = { id: string; label: string; value: string; error?: string | undefined; onChange: (value: string) => void };

function described(id: string, error: string | undefined) {
  return { 'aria-invalid': error ? ('true' as const) : undefined, 'aria-describedby': error ? `${id}-error` : undefined };
}

function FieldError({ id, error }: { id: string; error: string | undefined }) {
  return error ? (
    <p id={`${id}-error`} class="field-error">
      {error}
    </p>
  ) : null;
}

export function TextField(props: Common & { inputMode?: 'text' | 'email' | 'tel'; autoComplete?: string; inputRef?: preact.Ref<HTMLInputElement> }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        ref={props.inputRef}
        id={props.id}
        type="text"
        inputMode={props.inputMode ?? 'text'}
        autoComplete={props.autoComplete ?? 'off'}
        value={props.value}
        {...described(props.id, props.error)}
        onInput={(event) => props.onChange(event.currentTarget.value)}
      />
      <FieldError id={props.id} error={props.error} />
    </div>
  );
}

/** One catalog as a select; retired entries are offered only when the user already has one. */
export function CatalogSelect(props: Common & { entries: readonly { id: string; name: string; retired: boolean }[]; allowNone?: boolean }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select
        id={props.id}
        value={props.value}
        {...described(props.id, props.error)}
        onChange={(event) => props.onChange(event.currentTarget.value)}
      >
        {(props.allowNone ?? true) && <option value="">None</option>}
        {props.entries
          .filter((entry) => !entry.retired || entry.id === props.value)
          .map((entry) => (
            <option key={entry.id} value={entry.id}>
              {entry.name}
              {entry.retired ? ' (retired)' : ''}
            </option>
          ))}
      </select>
      <FieldError id={props.id} error={props.error} />
    </div>
  );
}
