// Single sign-on: the organization's identity providers, each added, changed or removed here.
import { useEffect, useRef, useState } from 'preact/hooks';
import { messageOf, request } from '../../api';
import { graphql } from '../../gql';
import type { IdentityProvidersReadQuery } from '../../gql/graphql';
import { Alert } from '../../ui';
import { SettingsScreen } from './parts';
import { ProviderForm } from './sso-form';

const Read = graphql(`
  query IdentityProvidersRead {
    identityProviders {
      id
      name
      issuer
      clientId
      emailDomains
      scopes
      claimMapping {
        email
        firstName
        lastName
        username
        department
      }
      defaultLanguage
      jit
      linkByVerifiedEmail
      ownsProfile
      defaultSeat
      loginUrl
      defaultDepartment {
        id
      }
      defaultJobProfile {
        id
      }
      defaultPermissionType {
        id
      }
    }
  }
`);
const Remove = graphql(`
  mutation IdentityProviderRemove($input: RemoveIdentityProviderInput!) {
    removeIdentityProvider(input: $input) {
      ok
      userErrors {
        message
      }
    }
  }
`);

export type Provider = IdentityProvidersReadQuery['identityProviders'][number];

export function SsoSettingsScreen() {
  const [providers, setProviders] = useState<readonly Provider[] | null>(null);
  // null: no form; 'new': adding; a provider: changing it.
  const [editing, setEditing] = useState<Provider | 'new' | null>(null);
  const [removing, setRemoving] = useState<Provider | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const addButton = useRef<HTMLButtonElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (removing) confirmButton.current?.focus();
  }, [removing]);

  useEffect(() => {
    request(Read)
      .then((data) => setProviders(data.identityProviders))
      .catch((failure) => setError(messageOf(failure)));
  }, [version]);

  async function remove(provider: Provider) {
    setError(null);
    try {
      const { ok, userErrors } = (await request(Remove, { input: { id: provider.id } })).removeIdentityProvider;
      if (!ok) {
        setError(userErrors.map((failure) => failure.message).join(' '));
        return;
      }
      setRemoving(null);
      setNotice(`${provider.name} is removed. Its users stay.`);
      setVersion((count) => count + 1);
      addButton.current?.focus();
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  return (
    <SettingsScreen title="Single sign-on" lead="The OpenID Connect providers your people sign in with. Each one is a button on your sign-in page.">
      <Alert message={error} />
      <Alert message={notice} tone="info" />
      {providers && providers.length === 0 && <p>No identity providers yet.</p>}
      {providers && providers.length > 0 && (
        <table>
          <caption class="visually-hidden">Identity providers</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Issuer</th>
              <th scope="col">Email domains</th>
              <th scope="col">First sign-in</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {providers.map((provider) => (
              <tr key={provider.id}>
                <td>{provider.name}</td>
                <td class="wrap">{provider.issuer}</td>
                <td>{provider.emailDomains.join(', ') || 'none'}</td>
                <td>{provider.jit ? `creates the user (${provider.defaultSeat === 'FULL' ? 'full' : 'observer'})` : 'existing users only'}</td>
                <td>
                  <div class="row-actions">
                  <button type="button" aria-label={`Edit ${provider.name}`} onClick={() => setEditing(provider)}>
                    Edit
                  </button>
                  <button type="button" class="danger" aria-label={`Remove ${provider.name}`} onClick={() => setRemoving(provider)}>
                    Remove
                  </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {removing && (
        <section class="confirm" aria-label={`Remove ${removing.name}`}>
          <p>
            Remove {removing.name}? People can no longer sign in with it; their users stay.
          </p>
          <div class="actions">
            <button ref={confirmButton} type="button" class="danger" onClick={() => remove(removing)}>
              Remove {removing.name}
            </button>
            <button type="button" onClick={() => setRemoving(null)}>
              Keep it
            </button>
          </div>
        </section>
      )}
      <div class="actions">
        <button ref={addButton} type="button" class="primary" onClick={() => setEditing('new')}>
          Add an identity provider
        </button>
      </div>
      {editing && (
        <ProviderForm
          key={editing === 'new' ? 'new' : editing.id}
          provider={editing === 'new' ? null : editing}
          onDone={(saved) => {
            setEditing(null);
            if (saved) {
              setNotice(`${saved} is saved.`);
              setVersion((count) => count + 1);
            }
            addButton.current?.focus();
          }}
        />
      )}
    </SettingsScreen>
  );
}
