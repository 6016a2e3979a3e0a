// SCIM: what the identity provider's provisioning may do, and the URLs to give it.
import { useEffect, useState } from 'preact/hooks';
import { messageOf, request } from '../../api';
import { graphql } from '../../gql';
import type { ScimDeprovision } from '../../gql/graphql';
import { Alert } from '../../ui';
import { Checkbox, SettingsScreen } from './parts';

const Read = graphql(`
  query ScimSettingsRead {
    organization {
      scimSettings {
        deprovision
        adoptExistingUsers
        createCompanies
        endpointUrl
        tokenUrl
      }
    }
  }
`);
const Update = graphql(`
  mutation ScimSettingsUpdate($input: UpdateScimSettingsInput!) {
    updateScimSettings(input: $input) {
      scimSettings {
        deprovision
      }
      userErrors {
        message
      }
    }
  }
`);

type Values = { deprovision: ScimDeprovision; adoptExistingUsers: boolean; createCompanies: boolean };

export function ScimSettingsScreen() {
  const [values, setValues] = useState<Values | null>(null);
  const [urls, setUrls] = useState<{ endpointUrl: string; tokenUrl: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    request(Read)
      .then(({ organization: { scimSettings } }) => {
        const { endpointUrl, tokenUrl, ...settings } = scimSettings;
        setValues(settings);
        setUrls({ endpointUrl, tokenUrl });
      })
      .catch((failure) => setError(messageOf(failure)));
  }, []);

  async function save(event: Event) {
    event.preventDefault();
    if (!values) return;
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const { userErrors } = (await request(Update, { input: values })).updateScimSettings;
      if (userErrors.length) setError(userErrors.map((failure) => failure.message).join(' '));
      else setNotice('SCIM settings saved.');
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <SettingsScreen title="SCIM" lead="Your identity provider (Okta, Entra ID, ...) can create, change and remove users over SCIM 2.0.">
      <Alert message={error} />
      <Alert message={notice} tone="info" />
      {urls && (
        <section class="panel" aria-labelledby="scim-connect">
          <h2 id="scim-connect">Connect your identity provider</h2>
          <dl class="facts">
            <dt>SCIM endpoint (base URL)</dt>
            <dd>
              <code>{urls.endpointUrl}</code>
            </dd>
            <dt>Token endpoint (OAuth client credentials)</dt>
            <dd>
              <code>{urls.tokenUrl}</code>
            </dd>
          </dl>
          <p>
            It authenticates as an API client with the <code>scim</code> scope: create one under{' '}
            <a href="/admin/settings/api-clients">API clients</a> and give the provider its client id and secret, or a token it
            fetched with them.
          </p>
        </section>
      )}
      {values && (
        <form onSubmit={save} class="panel">
          <div class="field">
            <label for="scim-deprovision">When the provider removes a user</label>
            <select
              id="scim-deprovision"
              value={values.deprovision}
              onChange={(event) => setValues({ ...values, deprovision: event.currentTarget.value as ScimDeprovision })}
            >
              <option value="DISABLE">Disable the user (data and links kept)</option>
              <option value="DELETE">Delete the user and their personal data</option>
            </select>
          </div>
          <Checkbox
            id="scim-adopt"
            label="Take over existing users with the same email"
            hint="Otherwise the provider's request is refused as a conflict."
            checked={values.adoptExistingUsers}
            onChange={(adoptExistingUsers) => setValues({ ...values, adoptExistingUsers })}
          />
          <Checkbox
            id="scim-companies"
            label="Create partner companies the provider names"
            hint="Otherwise a user naming an unknown company is refused."
            checked={values.createCompanies}
            onChange={(createCompanies) => setValues({ ...values, createCompanies })}
          />
          <div class="actions">
            <button type="submit" class="primary" disabled={busy}>
              Save
            </button>
          </div>
        </form>
      )}
    </SettingsScreen>
  );
}
