// Adding or changing one identity provider: issuer, client, the secret (written, never read
// back), the scopes, the email domains it signs in, which claims hold what, and what a first
// sign-in creates. Saving replaces the provider's whole configuration, so every field the API
// keeps is read into the form and sent back (a rename must not reset the claim mapping).
import { useEffect, useRef, useState } from 'preact/hooks';
import { messageOf, request } from '../../api';
import { graphql } from '../../gql';
import type { Seat } from '../../gql/graphql';
import { Alert } from '../../ui';
import { CATALOGS, type CatalogKey, CatalogSelect, sortErrors, TextField, useCatalogs } from '../user-fields';
import { Checkbox, listOf, textOf } from './parts';
import type { Provider } from './sso';

const Configure = graphql(`
  mutation IdentityProviderConfigure($input: IdentityProviderInput!) {
    configureIdentityProvider(input: $input) {
      identityProvider {
        id
        name
      }
      userErrors {
        field
        message
      }
    }
  }
`);

const TEXT = ['name', 'issuer', 'clientId', 'clientSecret', 'scopes', 'emailDomains', 'defaultLanguage'] as const;
const CLAIMS = [
  { key: 'email', label: 'Email claim' },
  { key: 'firstName', label: 'First name claim' },
  { key: 'lastName', label: 'Last name claim' },
  { key: 'username', label: 'Username claim (optional)' },
  { key: 'department', label: 'Department claim (optional; of a groups claim, its first entry)' },
] as const;
type ClaimKey = (typeof CLAIMS)[number]['key'];
type Values = Record<(typeof TEXT)[number] | CatalogKey, string> & {
  claims: Record<ClaimKey, string>;
  jit: boolean;
  linkByVerifiedEmail: boolean;
  ownsProfile: boolean;
  defaultSeat: Seat;
};
const KEYS = [...TEXT, 'claimMapping', 'defaultDepartmentId', 'defaultJobProfileId', 'defaultPermissionTypeId'] as const;

function valuesOf(provider: Provider | null): Values {
  return {
    name: provider?.name ?? '',
    issuer: provider?.issuer ?? '',
    clientId: provider?.clientId ?? '',
    clientSecret: '',
    scopes: (provider?.scopes ?? ['openid', 'email', 'profile']).join(' '),
    emailDomains: textOf(provider?.emailDomains ?? []),
    defaultLanguage: provider?.defaultLanguage ?? '',
    claims: {
      email: provider?.claimMapping.email ?? 'email',
      firstName: provider?.claimMapping.firstName ?? 'given_name',
      lastName: provider?.claimMapping.lastName ?? 'family_name',
      username: provider?.claimMapping.username ?? '',
      department: provider?.claimMapping.department ?? '',
    },
    jit: provider?.jit ?? true,
    linkByVerifiedEmail: provider?.linkByVerifiedEmail ?? false,
    ownsProfile: provider?.ownsProfile ?? false,
    defaultSeat: provider?.defaultSeat ?? 'OBSERVER',
    departmentId: provider?.defaultDepartment?.id ?? '',
    jobProfileId: provider?.defaultJobProfile?.id ?? '',
    permissionTypeId: provider?.defaultPermissionType?.id ?? '',
  };
}

export function ProviderForm({ provider, onDone }: { provider: Provider | null; onDone: (saved: string | null) => void }) {
  const [values, setValues] = useState<Values>(valuesOf(provider));
  const [errors, setErrors] = useState<Partial<Record<(typeof KEYS)[number], string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const catalogs = useCatalogs(setError);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  const set = (changes: Partial<Values>) => setValues({ ...values, ...changes });

  async function save(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      const input = {
        id: provider?.id ?? null,
        name: values.name,
        issuer: values.issuer,
        clientId: values.clientId,
        clientSecret: values.clientSecret || null,
        scopes: listOf(values.scopes),
        emailDomains: listOf(values.emailDomains),
        claimMapping: {
          email: values.claims.email.trim() || 'email',
          firstName: values.claims.firstName.trim() || 'given_name',
          lastName: values.claims.lastName.trim() || 'family_name',
          username: values.claims.username.trim() || null,
          department: values.claims.department.trim() || null,
        },
        defaultLanguage: values.defaultLanguage.trim() || null,
        jit: values.jit,
        linkByVerifiedEmail: values.linkByVerifiedEmail,
        ownsProfile: values.ownsProfile,
        defaultSeat: values.defaultSeat,
        defaultDepartmentId: values.departmentId || null,
        defaultJobProfileId: values.jobProfileId || null,
        defaultPermissionTypeId: values.permissionTypeId || null,
      };
      const { identityProvider, userErrors } = (await request(Configure, { input })).configureIdentityProvider;
      if (identityProvider) {
        onDone(identityProvider.name);
        return;
      }
      const sorted = sortErrors(userErrors, KEYS);
      setErrors(sorted.atFields);
      setError(sorted.rest);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  const heading = provider ? `Edit ${provider.name}` : 'Add an identity provider';
  return (
    <form onSubmit={save} noValidate class="panel" aria-labelledby="provider-heading">
      <h2 id="provider-heading">{heading}</h2>
      <Alert message={error} />
      <TextField inputRef={first} id="idp-name" label="Name on the sign-in button" value={values.name} error={errors.name} onChange={(name) => set({ name })} />
      <TextField id="idp-issuer" label="Issuer URL" inputMode="text" value={values.issuer} error={errors.issuer} onChange={(issuer) => set({ issuer })} />
      <TextField id="idp-client-id" label="Client id" value={values.clientId} error={errors.clientId} onChange={(clientId) => set({ clientId })} />
      <div class="field">
        <label for="idp-client-secret">Client secret</label>
        <input
          id="idp-client-secret"
          type="password"
          autoComplete="new-password"
          value={values.clientSecret}
          aria-invalid={errors.clientSecret ? 'true' : undefined}
          aria-describedby={errors.clientSecret ? "idp-client-secret-error idp-client-secret-hint" : "idp-client-secret-hint"}
          onInput={(event) => set({ clientSecret: event.currentTarget.value })}
        />
        {errors.clientSecret && <p id="idp-client-secret-error" class="field-error">{errors.clientSecret}</p>}
        <p id="idp-client-secret-hint" class="hint">
          {provider ? 'Never shown. Leave it empty to keep the current secret.' : 'Never shown again once saved.'}
        </p>
      </div>
      <TextField id="idp-scopes" label="Scopes" value={values.scopes} error={errors.scopes} onChange={(scopes) => set({ scopes })} />
      <p class="hint field-note">Separated by spaces; openid is required.</p>
      <TextField
        id="idp-domains"
        label="Email domains it signs in"
        value={values.emailDomains}
        error={errors.emailDomains}
        onChange={(emailDomains) => set({ emailDomains })}
      />
      <p class="hint field-note">Separated by commas. People with these emails are sent to this provider.</p>
      <fieldset>
        <legend>Claims</legend>
        {errors.claimMapping && <p class="field-error">{errors.claimMapping}</p>}
        {CLAIMS.map(({ key, label }) => (
          <TextField
            key={key}
            id={`idp-claim-${key}`}
            label={label}
            value={values.claims[key]}
            onChange={(claim) => set({ claims: { ...values.claims, [key]: claim } })}
          />
        ))}
      </fieldset>
      <fieldset>
        <legend>First sign-in</legend>
        <Checkbox id="idp-jit" label="Create the user of an unknown person" checked={values.jit} onChange={(jit) => set({ jit })} />
        <Checkbox
          id="idp-link"
          label="Link to the existing user with the email the provider verified"
          checked={values.linkByVerifiedEmail}
          onChange={(linkByVerifiedEmail) => set({ linkByVerifiedEmail })}
        />
        <Checkbox
          id="idp-owns"
          label="Refresh names and department from the provider at every sign-in"
          checked={values.ownsProfile}
          onChange={(ownsProfile) => set({ ownsProfile })}
        />
        <div class="field">
          <label for="idp-seat">Seat of new users</label>
          <select id="idp-seat" value={values.defaultSeat} onChange={(event) => set({ defaultSeat: event.currentTarget.value as Seat })}>
            <option value="OBSERVER">Observer (free)</option>
            <option value="FULL">Full (billable)</option>
          </select>
        </div>
        <TextField
          id="idp-language"
          label="Language of new users (optional)"
          value={values.defaultLanguage}
          error={errors.defaultLanguage}
          onChange={(defaultLanguage) => set({ defaultLanguage })}
        />
        {CATALOGS.map(({ key, label, list }) => (
          <CatalogSelect
            key={key}
            id={`idp-${key}`}
            label={`${label} of new users`}
            value={values[key]}
            entries={catalogs?.[list] ?? []}
            onChange={(value) => set({ [key]: value })}
          />
        ))}
      </fieldset>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          Save provider
        </button>
        <button type="button" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
