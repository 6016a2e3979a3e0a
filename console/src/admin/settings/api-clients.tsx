// Settings → API clients: the partner tools' OAuth clients. A new client's secret is shown here
// once (the API never returns it again), with a copy button; when each last got a token;
// revoking refuses its tokens.
import { useCallback, useState } from 'preact/hooks';
import { messageOf, request } from '../../api';
import { sortErrors, TextField } from '../../form';
import { graphql } from '../../gql';
import { Alert } from '../../ui';
import { SettingsScreen, useLoaded, when } from './common';

const Clients = graphql(`
  query ApiClients {
    apiClients {
      id
      clientId
      name
      scopes
      createdAt
      revokedAt
      lastTokenAt
    }
  }
`);

const Create = graphql(`
  mutation CreateApiClient($input: CreateApiClientInput!) {
    createApiClient(input: $input) {
      apiClient {
        clientId
        name
      }
      clientSecret
      userErrors {
        field
        message
      }
    }
  }
`);

const Revoke = graphql(`
  mutation RevokeApiClient($input: RevokeApiClientInput!) {
    revokeApiClient(input: $input) {
      userErrors {
        message
      }
    }
  }
`);

const Rotate = graphql(`
  mutation RotateApiClientSecret($input: RotateApiClientSecretInput!) {
    rotateApiClientSecret(input: $input) {
      apiClient {
        clientId
        name
      }
      clientSecret
      userErrors {
        message
      }
    }
  }
`);

const SCOPES = ['users:read', 'users:write', 'integrations:write', 'imports:write', 'sync:run', 'scim', 'admin'];

type Shown = { name: string; clientId: string; secret: string; rotated?: boolean };

export function ApiClients() {
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string | undefined>(undefined);
  const [scopes, setScopes] = useState<string[]>([]);
  const [shown, setShown] = useState<Shown | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const [pending, setPending] = useState<{ id: string; action: 'revoke' | 'rotate' } | null>(null);
  const load = useCallback(() => request(Clients), []);
  const [data, reload] = useLoaded(load, setError);

  async function create(event: Event) {
    event.preventDefault();
    setError(null);
    try {
      const made = (await request(Create, { input: { name, scopes } })).createApiClient;
      const { atFields, rest } = sortErrors(made.userErrors, ['name', 'scopes'] as const);
      setNameError(atFields.name);
      setError(atFields.scopes ?? rest);
      if (made.apiClient && made.clientSecret) {
        setShown({ name: made.apiClient.name, clientId: made.apiClient.clientId, secret: made.clientSecret });
        setName('');
        setScopes([]);
        reload();
      }
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  async function rotate(id: string) {
    setPending(null);
    setError(null);
    try {
      const done = (await request(Rotate, { input: { id } })).rotateApiClientSecret;
      setError(done.userErrors.map((failure) => failure.message).join(' ') || null);
      if (done.apiClient && done.clientSecret) {
        setCopied(null);
        setShown({ name: done.apiClient.name, clientId: done.apiClient.clientId, secret: done.clientSecret, rotated: true });
      }
      reload();
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  async function revoke(id: string) {
    setPending(null);
    try {
      const done = (await request(Revoke, { input: { id } })).revokeApiClient;
      setError(done.userErrors.map((failure) => failure.message).join(' ') || null);
      reload();
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  async function copy(secret: string) {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('Copied.');
    } catch {
      setCopied('Copying is not allowed here: select the secret and copy it.');
    }
  }

  return (
    <SettingsScreen title="API clients">
      <Alert message={error} />
      {shown && (
        <section class="secret" aria-labelledby="secret-heading">
          <h2 id="secret-heading">
            {shown.name} {shown.rotated ? 'has a new secret' : 'is created'}
          </h2>
          <p>
            Client id: <code>{shown.clientId}</code>
          </p>
          <p id="secret-warning">
            <strong>Copy the secret now: it will not be shown again.</strong>
          </p>
          <label for="client-secret">Client secret</label>
          <output id="client-secret" aria-describedby="secret-warning">
            {shown.secret}
          </output>
          <div class="actions">
            <button type="button" onClick={() => copy(shown.secret)}>
              Copy secret
            </button>
            <button type="button" onClick={() => setShown(null)}>
              Done
            </button>
          </div>
          <Alert message={copied} tone="info" />
        </section>
      )}
      <table>
        <caption class="visually-hidden">API clients</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Client id</th>
            <th scope="col">Scopes</th>
            <th scope="col">Created</th>
            <th scope="col">Last token</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {data?.apiClients.map((client) => (
            <tr key={client.id}>
              <td>{client.name}</td>
              <td>
                <code>{client.clientId}</code>
              </td>
              <td>{client.scopes.join(', ')}</td>
              <td>{when(client.createdAt)}</td>
              <td>{client.lastTokenAt ? when(client.lastTokenAt) : 'Never'}</td>
              <td>{client.revokedAt ? `Revoked ${when(client.revokedAt)}` : 'Active'}</td>
              <td>
                {!client.revokedAt && pending?.id !== client.id && (
                  <div class="row-actions">
                    <button type="button" aria-label={`New secret for ${client.name}`} onClick={() => setPending({ id: client.id, action: 'rotate' })}>
                      New secret
                    </button>
                    <button type="button" class="danger" aria-label={`Revoke ${client.name}`} onClick={() => setPending({ id: client.id, action: 'revoke' })}>
                      Revoke
                    </button>
                  </div>
                )}
                {pending?.id === client.id && pending.action === 'revoke' && (
                  <div class="row-actions">
                    <span>Revoke {client.name}? Its tokens stop working at once.</span>
                    <button type="button" class="danger" onClick={() => revoke(client.id)}>
                      Revoke now
                    </button>
                    <button type="button" onClick={() => setPending(null)}>
                      Keep
                    </button>
                  </div>
                )}
                {pending?.id === client.id && pending.action === 'rotate' && (
                  <div class="row-actions">
                    <span>Replace the secret of {client.name}? The old one gets no more tokens.</span>
                    <button type="button" class="danger" onClick={() => rotate(client.id)}>
                      Replace secret
                    </button>
                    <button type="button" onClick={() => setPending(null)}>
                      Keep
                    </button>
                  </div>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && data.apiClients.length === 0 && <p>No API clients yet.</p>}
      <form class="settings-form" onSubmit={create}>
        <h2>New API client</h2>
        <TextField id="client-name" label="Name" value={name} error={nameError} onChange={setName} />
        <fieldset>
          <legend>Scopes</legend>
          {SCOPES.map((scope) => (
            <label key={scope} class="check">
              <input
                type="checkbox"
                checked={scopes.includes(scope)}
                onChange={(event) =>
                  setScopes(event.currentTarget.checked ? [...scopes, scope] : scopes.filter((held) => held !== scope))
                }
              />{' '}
              {scope}
            </label>
          ))}
        </fieldset>
        <button type="submit" class="primary">
          Create API client
        </button>
      </form>
    </SettingsScreen>
  );
}
