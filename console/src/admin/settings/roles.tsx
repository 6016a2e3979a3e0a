// Settings → Roles: the organization's own roles (built-in ones are listed, never changed).
// Refusals (NAME_TAKEN, IN_USE ...) are the API's userErrors, shown as they come.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { messageOf, request } from '../../api';
import { TextField } from '../../form';
import { graphql } from '../../gql';
import { Alert } from '../../ui';
import { SettingsScreen, useLoaded } from './common';

const Roles = graphql(`
  query Roles {
    organization {
      roles {
        name
        builtIn
        retired
      }
    }
  }
`);

const CreateRole = graphql(`
  mutation CreateRole($input: CreateRoleInput!) {
    createRole(input: $input) {
      role {
        name
      }
      userErrors {
        message
      }
    }
  }
`);

const RenameRole = graphql(`
  mutation RenameRole($input: RenameRoleInput!) {
    renameRole(input: $input) {
      role {
        name
      }
      userErrors {
        message
      }
    }
  }
`);

const RetireRole = graphql(`
  mutation RetireRole($input: RetireRoleInput!) {
    retireRole(input: $input) {
      role {
        name
      }
      userErrors {
        message
      }
    }
  }
`);

export function RolesSettings() {
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [renaming, setRenaming] = useState<string | null>(null);
  const [newName, setNewName] = useState('');
  const renameField = useRef<HTMLInputElement>(null);
  // The rename field takes the focus when it opens, so the keyboard goes straight on typing.
  useEffect(() => {
    if (renaming) renameField.current?.focus();
  }, [renaming]);
  const load = useCallback(() => request(Roles), []);
  const [data, reload] = useLoaded(load, setError);

  async function run(change: () => Promise<{ userErrors: readonly { message: string }[] }>, done: string) {
    setError(null);
    setNotice(null);
    try {
      const result = await change();
      if (result.userErrors.length) {
        setError(result.userErrors.map((failure) => failure.message).join(' '));
        return false;
      }
      setNotice(done);
      reload();
      return true;
    } catch (failure) {
      setError(messageOf(failure));
      return false;
    }
  }

  async function create(event: Event) {
    event.preventDefault();
    if (await run(async () => (await request(CreateRole, { input: { name } })).createRole, `${name} is created.`)) setName('');
  }

  async function rename(event: Event) {
    event.preventDefault();
    if (!renaming) return;
    const input = { name: renaming, newName };
    if (await run(async () => (await request(RenameRole, { input })).renameRole, `${renaming} is now ${newName}.`)) setRenaming(null);
  }

  return (
    <SettingsScreen title="Roles">
      <Alert message={error} />
      <Alert message={notice} tone="info" />
      <table>
        <caption class="visually-hidden">Roles</caption>
        <thead>
          <tr>
            <th scope="col">Role</th>
            <th scope="col">Kind</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {data?.organization.roles.map((role) => (
            <tr key={role.name}>
              <td>{role.name}</td>
              <td>{role.builtIn ? 'Built in' : role.retired ? 'Retired' : 'Organization'}</td>
              <td>
                <div class="row-actions">
                {!role.builtIn && !role.retired && renaming !== role.name && (
                  <>
                    <button
                      type="button"
                      aria-label={`Rename ${role.name}`}
                      onClick={() => {
                        setRenaming(role.name);
                        setNewName(role.name);
                      }}
                    >
                      Rename
                    </button>
                    <button
                      type="button"
                      class="danger"
                      aria-label={`Retire ${role.name}`}
                      onClick={() =>
                        run(async () => (await request(RetireRole, { input: { name: role.name } })).retireRole, `${role.name} is retired.`)
                      }
                    >
                      Retire
                    </button>
                  </>
                )}
                {renaming === role.name && (
                  <form class="inline" onSubmit={rename}>
                    <TextField id="role-new-name" label={`New name for ${role.name}`} inputRef={renameField} value={newName} onChange={setNewName} />
                    <button type="submit">Save name</button>
                    <button type="button" onClick={() => setRenaming(null)}>
                      Cancel
                    </button>
                  </form>
                )}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="settings-form" onSubmit={create}>
        <h2>New role</h2>
        <TextField id="role-name" label="Role name" value={name} onChange={setName} />
        <button type="submit" class="primary">
          Create role
        </button>
      </form>
    </SettingsScreen>
  );
}
