// Settings → Catalog: departments, job profiles and permission types. Retiring an entry users
// still have is refused (IN_USE, with their count); the screen then offers a replacement to
// move each of them to, one audited update per user.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { messageOf, request } from '../../api';
import { CatalogSelect, TextField } from '../../form';
import { graphql } from '../../gql';
import type { CatalogKind } from '../../gql/graphql';
import { Alert } from '../../ui';
import { SettingsScreen, useLoaded } from './common';

const Catalogs = graphql(`
  query SettingsCatalogs {
    organization {
      departments {
        id
        name
        retired
      }
      jobProfiles {
        id
        name
        retired
      }
      permissionTypes {
        id
        name
        retired
      }
    }
  }
`);

const CreateEntry = graphql(`
  mutation SettingsCreateEntry($input: CreateCatalogEntryInput!) {
    createCatalogEntry(input: $input) {
      entry {
        name
      }
      userErrors {
        code
        message
      }
    }
  }
`);

const RenameEntry = graphql(`
  mutation SettingsRenameEntry($input: RenameCatalogEntryInput!) {
    renameCatalogEntry(input: $input) {
      entry {
        name
      }
      userErrors {
        code
        message
      }
    }
  }
`);

const RetireEntry = graphql(`
  mutation SettingsRetireEntry($input: RetireCatalogEntryInput!) {
    retireCatalogEntry(input: $input) {
      entry {
        name
      }
      userErrors {
        code
        message
      }
    }
  }
`);

const KINDS = [
  { kind: 'DEPARTMENT', key: 'departments', title: 'Departments', one: 'department' },
  { kind: 'JOB_PROFILE', key: 'jobProfiles', title: 'Job profiles', one: 'job profile' },
  { kind: 'PERMISSION_TYPE', key: 'permissionTypes', title: 'Permission types', one: 'permission type' },
] as const;

type Entry = { id: string; name: string; retired: boolean };
type Outcome = { userErrors: readonly { code: string; message: string }[] };

export function CatalogSettings() {
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const load = useCallback(() => request(Catalogs), []);
  const [data, reload] = useLoaded(load, setError);

  /** Runs a change; its userErrors' codes (empty when it was done). */
  const run = useCallback(
    async (change: () => Promise<Outcome>, done: string): Promise<string[] | null> => {
      setError(null);
      setNotice(null);
      try {
        const result = await change();
        if (result.userErrors.length) {
          setError(result.userErrors.map((failure) => failure.message).join(' '));
          return result.userErrors.map((failure) => failure.code);
        }
        setNotice(done);
        reload();
        return [];
      } catch (failure) {
        setError(messageOf(failure));
        return null;
      }
    },
    [reload],
  );

  return (
    <SettingsScreen title="Catalog">
      <Alert message={error} />
      <Alert message={notice} tone="info" />
      {KINDS.map((kind) => (
        <CatalogSection key={kind.kind} kind={kind} entries={data?.organization[kind.key] ?? []} run={run} />
      ))}
    </SettingsScreen>
  );
}

function CatalogSection({
  kind,
  entries,
  run,
}: {
  kind: (typeof KINDS)[number];
  entries: readonly Entry[];
  run: (change: () => Promise<Outcome>, done: string) => Promise<string[] | null>;
}) {
  const [name, setName] = useState('');
  const [renaming, setRenaming] = useState<Entry | null>(null);
  const [newName, setNewName] = useState('');
  const renameField = useRef<HTMLInputElement>(null);
  // The rename field takes the focus when it opens, so the keyboard goes straight on typing.
  useEffect(() => {
    if (renaming) renameField.current?.focus();
  }, [renaming]);
  const [inUse, setInUse] = useState<Entry | null>(null);
  const [replacement, setReplacement] = useState('');
  const catalog: CatalogKind = kind.kind as CatalogKind;
  const prefix = kind.kind.toLowerCase();

  async function create(event: Event) {
    event.preventDefault();
    const codes = await run(async () => (await request(CreateEntry, { input: { catalog, name } })).createCatalogEntry, `${name} is created.`);
    if (codes?.length === 0) setName('');
  }

  async function rename(event: Event) {
    event.preventDefault();
    if (!renaming) return;
    const input = { catalog, id: renaming.id, name: newName };
    const codes = await run(async () => (await request(RenameEntry, { input })).renameCatalogEntry, `${renaming.name} is now ${newName}.`);
    if (codes?.length === 0) setRenaming(null);
  }

  async function retire(entry: Entry, replacementId: string | null) {
    const input = { catalog, id: entry.id, replacementId };
    const codes = await run(async () => (await request(RetireEntry, { input })).retireCatalogEntry, `${entry.name} is retired.`);
    if (codes?.includes('IN_USE')) {
      setInUse(entry);
      setReplacement('');
    } else if (codes?.length === 0) setInUse(null);
  }

  const active = entries.filter((entry) => !entry.retired);
  return (
    <section aria-labelledby={`${prefix}-heading`}>
      <h2 id={`${prefix}-heading`}>{kind.title}</h2>
      <table>
        <caption class="visually-hidden">{kind.title}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id}>
              <td>{entry.name}</td>
              <td>{entry.retired ? 'Retired' : 'Active'}</td>
              <td>
                <div class="row-actions">
                {!entry.retired && renaming?.id !== entry.id && (
                  <>
                    <button
                      type="button"
                      aria-label={`Rename ${entry.name}`}
                      onClick={() => {
                        setRenaming(entry);
                        setNewName(entry.name);
                      }}
                    >
                      Rename
                    </button>
                    <button type="button" class="danger" aria-label={`Retire ${entry.name}`} onClick={() => retire(entry, null)}>
                      Retire
                    </button>
                  </>
                )}
                {renaming?.id === entry.id && (
                  <form class="inline" onSubmit={rename}>
                    <TextField id={`${prefix}-new-name`} label={`New name for ${entry.name}`} inputRef={renameField} value={newName} onChange={setNewName} />
                    <button type="submit">Save name</button>
                    <button type="button" onClick={() => setRenaming(null)}>
                      Cancel
                    </button>
                  </form>
                )}
                {inUse?.id === entry.id && !entry.retired && (
                  <form
                    class="inline"
                    onSubmit={(event) => {
                      event.preventDefault();
                      if (replacement) retire(entry, replacement);
                    }}
                  >
                    <CatalogSelect
                      id={`${prefix}-replacement`}
                      label={`Move its users to`}
                      value={replacement}
                      entries={active.filter((other) => other.id !== entry.id)}
                      onChange={setReplacement}
                    />
                    <button type="submit" disabled={!replacement}>
                      Retire and move users
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
        <TextField id={`${prefix}-name`} label={`New ${kind.one}`} value={name} onChange={setName} />
        <button type="submit">Add {kind.one}</button>
      </form>
    </section>
  );
}
