// One user's access, in their Manage dialog: the roles they hold, the identities they sign in
// with (unlink, or link one by hand), and their licences per product. Each change is one
// mutation; the API's refusals (LAST_WAY_IN, no licence left, FORBIDDEN) are shown as said.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { messageOf, request } from '../api';
import { graphql } from '../gql';
import type { UserAccessQuery } from '../gql/graphql';
import { Alert } from '../ui';

const Access = graphql(`
  query UserAccess($id: ID!) {
    user(id: $id) {
      id
      roles
      identities {
        issuer
        subject
        email
        linkedAt
        lastUsedAt
        provider {
          id
          name
        }
      }
      licences {
        productKey
      }
    }
    organization {
      roles {
        name
        retired
      }
      licencePools {
        productKey
        name
        seats
        used
      }
    }
    identityProviders {
      id
      name
    }
  }
`);
const SetRoles = graphql(`
  mutation SetUserRoles($input: UpdateUserInput!) {
    updateUser(input: $input) {
      userErrors {
        code
        message
      }
    }
  }
`);
const Unlink = graphql(`
  mutation UnlinkIdentityAction($input: UnlinkIdentityInput!) {
    unlinkIdentity(input: $input) {
      userErrors {
        code
        message
      }
    }
  }
`);
const Link = graphql(`
  mutation LinkIdentityAction($input: LinkIdentityInput!) {
    linkIdentity(input: $input) {
      userErrors {
        code
        message
      }
    }
  }
`);
const Give = graphql(`
  mutation GiveLicence($input: AssignLicenceInput!) {
    assignLicence(input: $input) {
      userErrors {
        code
        message
      }
    }
  }
`);
const TakeBack = graphql(`
  mutation TakeBackLicence($input: RevokeLicenceInput!) {
    revokeLicence(input: $input) {
      userErrors {
        code
        message
      }
    }
  }
`);

type Loaded = UserAccessQuery;
type Identity = NonNullable<Loaded['user']>['identities'][number];
type Outcome = { userErrors: readonly { code: string; message: string }[] };

export function UserAccess({ userId, name, onChanged }: { userId: string; name: string; onChanged: () => void }) {
  const [data, setData] = useState<Loaded | null>(null);
  const [roles, setRoles] = useState<readonly string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [unlinking, setUnlinking] = useState<Identity | null>(null);
  const [link, setLink] = useState({ providerId: '', subject: '', email: '' });

  const load = useCallback(async () => {
    try {
      const found = await request(Access, { id: userId });
      setData(found);
      setRoles(found.user?.roles ?? []);
    } catch (failure) {
      setError(messageOf(failure));
    }
  }, [userId]);
  useEffect(() => {
    load();
  }, [load]);

  async function change(run: () => Promise<Outcome>, done: string): Promise<boolean> {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const failure = (await run()).userErrors[0];
      if (failure) {
        setError(failure.message);
        return false;
      }
      setNotice(done);
      onChanged();
      await load();
      return true;
    } catch (failure) {
      setError(messageOf(failure));
      return false;
    } finally {
      setBusy(false);
    }
  }

  if (!data) return error ? <Alert message={error} /> : <p class="loading">Loading…</p>;
  const user = data.user;
  if (!user) return <Alert message="This user no longer exists." />;
  const held = new Set(user.licences.map((licence) => licence.productKey));
  const offered = data.organization.roles.filter((role) => !role.retired || user.roles.includes(role.name));

  return (
    <div class="user-access">
      <Alert message={error} />
      <Alert message={notice} tone="info" />
      <form
        onSubmit={(event) => {
          event.preventDefault();
          change(async () => (await request(SetRoles, { input: { userId, roles: [...roles] } })).updateUser, `${name}'s roles are saved.`);
        }}
      >
        <fieldset>
          <legend>Roles</legend>
          {offered.map((role) => (
            <label key={role.name} class="check">
              <input
                type="checkbox"
                checked={roles.includes(role.name)}
                onChange={(event) =>
                  setRoles((before) =>
                    event.currentTarget.checked ? [...before, role.name] : before.filter((held) => held !== role.name),
                  )
                }
              />
              <span>
                {role.name}
                {role.retired ? ' (retired)' : ''}
              </span>
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={busy}>
          Save roles
        </button>
      </form>

      <h3>Sign-in identities</h3>
      {user.identities.length === 0 ? (
        <p>{name} signs in with no identity provider.</p>
      ) : (
        <ul class="identities">
          {user.identities.map((identity) => {
            const provider = identity.provider?.name ?? identity.issuer;
            return (
              <li key={`${identity.issuer} ${identity.subject}`}>
                <span>
                  {provider}: {identity.email ?? identity.subject}
                  <span class="hint">
                    {' '}
                    linked {new Date(identity.linkedAt).toLocaleDateString()}
                    {identity.lastUsedAt ? `, last used ${new Date(identity.lastUsedAt).toLocaleDateString()}` : ', never used'}
                  </span>
                </span>
                {unlinking === identity ? (
                  <span class="actions">
                    <button
                      type="button"
                      class="danger"
                      disabled={busy}
                      onClick={async () => {
                        setUnlinking(null);
                        await change(
                          async () =>
                            (await request(Unlink, { input: { userId, issuer: identity.issuer, subject: identity.subject } }))
                              .unlinkIdentity,
                          `${name} no longer signs in with ${provider}.`,
                        );
                      }}
                    >
                      Unlink {provider}
                    </button>
                    <button type="button" onClick={() => setUnlinking(null)}>
                      Keep
                    </button>
                  </span>
                ) : (
                  <button type="button" disabled={busy} aria-label={`Unlink ${provider} (${identity.email ?? identity.subject})`} onClick={() => setUnlinking(identity)}>
                    Unlink
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {data.identityProviders.length > 0 && (
        <form
          class="link-identity"
          onSubmit={async (event) => {
            event.preventDefault();
            const input = { userId, providerId: link.providerId, subject: link.subject.trim(), email: link.email.trim() || null };
            if (await change(async () => (await request(Link, { input })).linkIdentity, `${name} can now sign in with that identity.`)) {
              setLink({ providerId: '', subject: '', email: '' });
            }
          }}
        >
          <fieldset>
            <legend>Link an identity by hand</legend>
            <label for="link-provider">Provider</label>
            <select id="link-provider" value={link.providerId} onChange={(event) => setLink({ ...link, providerId: event.currentTarget.value })} required>
              <option value="">Choose…</option>
              {data.identityProviders.map((provider) => (
                <option key={provider.id} value={provider.id}>
                  {provider.name}
                </option>
              ))}
            </select>
            <label for="link-subject">Subject (the provider's id of the person)</label>
            <input id="link-subject" value={link.subject} onInput={(event) => setLink({ ...link, subject: event.currentTarget.value })} required />
            <label for="link-email">Email at the provider (optional)</label>
            <input id="link-email" type="email" value={link.email} onInput={(event) => setLink({ ...link, email: event.currentTarget.value })} />
          </fieldset>
          <button type="submit" disabled={busy}>
            Link identity
          </button>
        </form>
      )}

      <h3>Licences</h3>
      {data.organization.licencePools.length === 0 ? (
        <p>The organization has no licence pools.</p>
      ) : (
        <ul class="licences">
          {data.organization.licencePools.map((pool) => (
            <li key={pool.productKey}>
              <span>
                {pool.name}
                <span class="hint">
                  {' '}
                  {pool.used} of {pool.seats} in use
                </span>
              </span>
              {held.has(pool.productKey) ? (
                <button
                  type="button"
                  disabled={busy}
                  aria-label={`Take back ${pool.name}`}
                  onClick={() =>
                    change(
                      async () => (await request(TakeBack, { input: { userId, productKey: pool.productKey } })).revokeLicence,
                      `${name} no longer holds ${pool.name}.`,
                    )
                  }
                >
                  Take back
                </button>
              ) : (
                <button
                  type="button"
                  disabled={busy}
                  aria-label={`Give ${pool.name}`}
                  onClick={() =>
                    change(
                      async () => (await request(Give, { input: { userId, productKey: pool.productKey } })).assignLicence,
                      `${name} now holds ${pool.name}.`,
                    )
                  }
                >
                  Give
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
