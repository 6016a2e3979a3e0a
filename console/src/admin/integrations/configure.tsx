// Configure one integration: its name and whether it is connected (updateIntegration) and,
// for directory and provisioning integrations, its SCIM peer (configureSync). A modal
// <dialog>; each userError is shown at its field, the rest at the top.
import { useEffect, useRef, useState } from 'preact/hooks';
import { messageOf, request } from '../../api';
import { sortErrors, TextField } from '../../form';
import { graphql } from '../../gql';
import type { ConfigureSyncInput } from '../../gql/graphql';
import { Alert } from '../../ui';
import { kindName, syncs } from './kinds';
import type { IntegrationRow } from './list';

const Update = graphql(`
  mutation UpdateIntegration($input: UpdateIntegrationInput!) {
    updateIntegration(input: $input) {
      integration {
        id
      }
      userErrors {
        field
        code
        message
      }
    }
  }
`);
const ConfigureSync = graphql(`
  mutation ConfigureSync($input: ConfigureSyncInput!) {
    configureSync(input: $input) {
      integration {
        id
      }
      userErrors {
        field
        code
        message
      }
    }
  }
`);

type Texts = {
  name: string;
  baseUrl: string;
  bearerToken: string;
  intervalMinutes: string;
  disableThreshold: string;
  companyAttribute: string;
  departmentAttribute: string;
  productKey: string;
};
type Key = keyof Texts | 'connected' | 'syncPhone' | 'requiresEmail';
const KEYS: readonly Key[] = [
  'name',
  'connected',
  'baseUrl',
  'bearerToken',
  'intervalMinutes',
  'disableThreshold',
  'companyAttribute',
  'departmentAttribute',
  'productKey',
  'syncPhone',
  'requiresEmail',
];

function Check(props: { id: string; label: string; checked: boolean; onChange: (value: boolean) => void; error?: string | undefined }) {
  return (
    <div class="check">
      <input id={props.id} type="checkbox" checked={props.checked} onChange={(event) => props.onChange(event.currentTarget.checked)} />
      <label for={props.id}>{props.label}</label>
      {props.error && <p class="field-error">{props.error}</p>}
    </div>
  );
}

/** A number typed in a field: null when empty, undefined when it is not a number. */
function numberOf(text: string): number | null | undefined {
  if (text.trim() === '') return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

export function Configure({ integration, onClose }: { integration: IntegrationRow; onClose: (saved: string | null) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const sync = integration.syncSettings;
  const [texts, setTexts] = useState<Texts>({
    name: integration.name,
    baseUrl: sync?.baseUrl ?? '',
    bearerToken: '',
    intervalMinutes: sync?.intervalMinutes?.toString() ?? '',
    disableThreshold: sync?.disableThreshold?.toString() ?? '0.2',
    companyAttribute: sync?.companyAttribute ?? '',
    departmentAttribute: sync?.departmentAttribute ?? '',
    productKey: sync?.productKey ?? '',
  });
  const [connected, setConnected] = useState(integration.connected);
  const [syncPhone, setSyncPhone] = useState(sync?.syncPhone ?? false);
  const [requiresEmail, setRequiresEmail] = useState(sync?.requiresEmail ?? false);
  const [errors, setErrors] = useState<Partial<Record<Key, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const saved = useRef<string | null>(null);
  const directory = integration.kind === 'DIRECTORY';
  const withSync = syncs(integration.kind);

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  function syncInput(): ConfigureSyncInput | Partial<Record<Key, string>> {
    const interval = numberOf(texts.intervalMinutes);
    const threshold = numberOf(texts.disableThreshold);
    const wrong: Partial<Record<Key, string>> = {};
    if (interval === undefined) wrong.intervalMinutes = 'Enter a number of minutes, or leave it empty.';
    if (threshold === undefined || threshold === null) wrong.disableThreshold = 'Enter a share from 0 to 1, for instance 0.2.';
    if (Object.keys(wrong).length > 0) return wrong;
    const orNull = (text: string) => (text.trim() === '' ? null : text.trim());
    return {
      integrationId: integration.id,
      baseUrl: texts.baseUrl.trim(),
      ...(texts.bearerToken ? { bearerToken: texts.bearerToken } : {}),
      intervalMinutes: interval ?? null,
      disableThreshold: threshold ?? 0.2,
      companyAttribute: orNull(texts.companyAttribute),
      ...(directory ? { departmentAttribute: orNull(texts.departmentAttribute), syncPhone } : { productKey: orNull(texts.productKey), requiresEmail }),
    };
  }

  async function save() {
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      const found: { field?: readonly string[] | null; message: string }[] = [];
      // The sync settings first (they are the likelier to be refused), so a refusal changes
      // nothing. An unconfigured integration with no base URL typed stays unconfigured.
      if (withSync && (sync || texts.baseUrl.trim() !== '')) {
        const input = syncInput();
        if (!('integrationId' in input)) {
          setErrors(input);
          return;
        }
        found.push(...(await request(ConfigureSync, { input })).configureSync.userErrors);
      }
      const changed = texts.name.trim() !== integration.name || connected !== integration.connected;
      if (changed && found.length === 0) {
        const { userErrors } = (await request(Update, { input: { id: integration.id, name: texts.name.trim(), connected } })).updateIntegration;
        found.push(...userErrors);
      }
      if (found.length > 0) {
        const sorted = sortErrors(found, KEYS);
        setErrors(sorted.atFields);
        setError(sorted.rest);
        return;
      }
      saved.current = `${texts.name.trim() || integration.name} is saved.`;
      dialog.current?.close();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  const set = (key: keyof Texts) => (value: string) => setTexts({ ...texts, [key]: value });
  return (
    <dialog ref={dialog} class="dialog" aria-labelledby="configure-title" onClose={() => onClose(saved.current)}>
      <h2 id="configure-title">Configure {integration.name}</h2>
      <p class="lead">
        {kindName(integration.kind)} integration <code>{integration.key}</code>
      </p>
      <Alert message={error} />
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          save();
        }}
      >
        <TextField id="configure-name" label="Name" value={texts.name} error={errors.name} onChange={set('name')} />
        <Check id="configure-connected" label="Connected (takes activity and runs syncs)" checked={connected} onChange={setConnected} error={errors.connected} />
        {withSync && (
          <fieldset>
            <legend>SCIM 2.0 {directory ? 'directory' : 'application'}</legend>
            <TextField id="configure-baseUrl" label="Base URL" inputMode="text" value={texts.baseUrl} error={errors.baseUrl} onChange={set('baseUrl')} />
            <div class="field">
              <label for="configure-bearerToken">Bearer token</label>
              <input
                id="configure-bearerToken"
                type="password"
                autoComplete="off"
                value={texts.bearerToken}
                aria-describedby="configure-bearerToken-hint"
                onInput={(event) => set('bearerToken')(event.currentTarget.value)}
              />
              <p id="configure-bearerToken-hint" class="hint">
                {sync?.hasBearerToken ? 'A token is stored (never shown). Leave empty to keep it.' : 'No token is stored yet.'}
              </p>
              {errors.bearerToken && <p class="field-error">{errors.bearerToken}</p>}
            </div>
            <TextField id="configure-intervalMinutes" label="Run every (minutes; empty: only on demand)" value={texts.intervalMinutes} error={errors.intervalMinutes} onChange={set('intervalMinutes')} />
            <TextField
              id="configure-disableThreshold"
              label="Share of users a run may disable unconfirmed (0 to 1)"
              value={texts.disableThreshold}
              error={errors.disableThreshold}
              onChange={set('disableThreshold')}
            />
            <TextField id="configure-companyAttribute" label="Company attribute (empty: enterprise organization)" value={texts.companyAttribute} error={errors.companyAttribute} onChange={set('companyAttribute')} />
            {directory ? (
              <>
                <TextField id="configure-departmentAttribute" label="Department attribute (empty: not synced)" value={texts.departmentAttribute} error={errors.departmentAttribute} onChange={set('departmentAttribute')} />
                <Check id="configure-syncPhone" label="Phone numbers come from the directory" checked={syncPhone} onChange={setSyncPhone} error={errors.syncPhone} />
              </>
            ) : (
              <>
                <TextField id="configure-productKey" label="Licence product key" value={texts.productKey} error={errors.productKey} onChange={set('productKey')} />
                <Check id="configure-requiresEmail" label="The app requires an email" checked={requiresEmail} onChange={setRequiresEmail} error={errors.requiresEmail} />
              </>
            )}
          </fieldset>
        )}
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            Save
          </button>
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
