// "Add an integration" on /admin/integrations: its name, the key partner tools and commands
// name it by (suggested from the name until typed), and its kind. Refusals (a key in use, a
// bad key) are the API's userErrors, shown at their field.
import { useState } from 'preact/hooks';
import { messageOf, request } from '../../api';
import { sortErrors, TextField } from '../../form';
import { graphql } from '../../gql';
import { Alert } from '../../ui';

const CreateIntegration = graphql(`
  mutation CreateIntegration($input: CreateIntegrationInput!) {
    createIntegration(input: $input) {
      integration {
        name
      }
      userErrors {
        field
        message
      }
    }
  }
`);

const KINDS = {
  ACTIVITY: 'Activity source (CRM, telephony …)',
  DIRECTORY: 'Directory (users synced in over SCIM)',
  PROVISIONING: 'Provisioning (users sent out over SCIM)',
} as const;
type Kind = keyof typeof KINDS;
const FIELDS = ['name', 'key', 'kind'] as const;
type FieldKey = (typeof FIELDS)[number];

/** The key a name suggests: lower case, runs of other characters as one dash, at most 40. */
export function keyFrom(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
}

export function AddIntegration({ onStart, onAdded }: { onStart: () => void; onAdded: (name: string) => void }) {
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const [keyTyped, setKeyTyped] = useState(false);
  const [kind, setKind] = useState<Kind>('ACTIVITY');
  const [errors, setErrors] = useState<Partial<Record<FieldKey, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    onStart();
    try {
      const input = { name, key: keyTyped ? key : keyFrom(name), kind };
      const { createIntegration: result } = await request(CreateIntegration, { input });
      const sorted = sortErrors(result.userErrors, FIELDS);
      setErrors(sorted.atFields);
      setError(sorted.rest);
      if (result.integration) {
        setName('');
        setKey('');
        setKeyTyped(false);
        onAdded(result.integration.name);
      }
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="settings-form" onSubmit={submit}>
      <h2>Add an integration</h2>
      <Alert message={error} />
      <TextField id="integration-name" label="Integration name" value={name} error={errors.name} onChange={setName} />
      <TextField
        id="integration-key"
        label="Key (how partner tools and commands name it)"
        value={keyTyped ? key : keyFrom(name)}
        error={errors.key}
        onChange={(value) => {
          setKeyTyped(true);
          setKey(value);
        }}
      />
      <div class="field">
        <label for="integration-kind">Kind</label>
        <select
          id="integration-kind"
          value={kind}
          aria-invalid={errors.kind ? 'true' : undefined}
          onChange={(event) => setKind(event.currentTarget.value as Kind)}
        >
          {Object.entries(KINDS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" class="primary" disabled={busy}>
        Add integration
      </button>
    </form>
  );
}
