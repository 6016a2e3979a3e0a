// Settings → Licences: one panel per product's licence pool (seats in use and the limit, which
// can be changed), its holders a page at a time, a licence given by the holder's email or taken
// back; and a new product's pool.
import { useCallback, useState } from 'preact/hooks';
import { messageOf, request } from '../../api';
import { TextField } from '../../form';
import { graphql } from '../../gql';
import { Alert } from '../../ui';
import { SettingsScreen, useLoaded } from './common';

const Pools = graphql(`
  query LicencePools($after: String) {
    organization {
      licencePools {
        productKey
        name
        seats
        used
        holders(first: 20, after: $after) {
          totalCount
          pageInfo {
            hasNextPage
            endCursor
          }
          edges {
            node {
              id
              firstName
              lastName
              email
            }
          }
        }
      }
    }
  }
`);

const FindUser = graphql(`
  query LicenceFindUser($search: String) {
    users(search: $search, first: 2) {
      edges {
        node {
          id
          email
        }
      }
    }
  }
`);

const Assign = graphql(`
  mutation AssignLicence($input: AssignLicenceInput!) {
    assignLicence(input: $input) {
      userErrors {
        message
      }
    }
  }
`);

const RevokeLicence = graphql(`
  mutation RevokeLicence($input: RevokeLicenceInput!) {
    revokeLicence(input: $input) {
      userErrors {
        message
      }
    }
  }
`);

const Configure = graphql(`
  mutation ConfigureLicencePool($input: ConfigureLicencePoolInput!) {
    configureLicencePool(input: $input) {
      userErrors {
        message
      }
    }
  }
`);

type Outcome = { userErrors: readonly { message: string }[] };

/** Runs a change; its error or its notice go where the screen shows them. True when done. */
async function changed(run: () => Promise<Outcome>, setError: (m: string | null) => void): Promise<boolean> {
  setError(null);
  try {
    const result = await run();
    setError(result.userErrors.map((failure) => failure.message).join(' ') || null);
    return result.userErrors.length === 0;
  } catch (failure) {
    setError(messageOf(failure));
    return false;
  }
}

export function Licences() {
  const [error, setError] = useState<string | null>(null);
  const [product, setProduct] = useState({ productKey: '', name: '', seats: '' });
  const load = useCallback(() => request(Pools, { after: null }), []);
  const [data, reload] = useLoaded(load, setError);

  async function add(event: Event) {
    event.preventDefault();
    const input = { productKey: product.productKey.trim(), name: product.name.trim(), seats: Number(product.seats) || 0 };
    if (await changed(async () => (await request(Configure, { input })).configureLicencePool, setError)) {
      setProduct({ productKey: '', name: '', seats: '' });
      reload();
    }
  }

  return (
    <SettingsScreen title="Licences">
      <Alert message={error} />
      {data && data.organization.licencePools.length === 0 && <p>The organization has no licence pools.</p>}
      {data?.organization.licencePools.map((pool) => (
        <Pool key={pool.productKey} productKey={pool.productKey} name={pool.name} />
      ))}
      <form class="settings-form" onSubmit={add}>
        <h2>New product</h2>
        <TextField id="product-key" label="Product key" value={product.productKey} onChange={(productKey) => setProduct({ ...product, productKey })} />
        <TextField id="product-name" label="Product name" value={product.name} onChange={(name) => setProduct({ ...product, name })} />
        <TextField id="product-seats" label="Licences" inputMode="text" value={product.seats} onChange={(seats) => setProduct({ ...product, seats })} />
        <button type="submit">Add product</button>
      </form>
    </SettingsScreen>
  );
}

function Pool({ productKey, name }: { productKey: string; name: string }) {
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [email, setEmail] = useState('');
  const [seats, setSeats] = useState('');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const load = useCallback(async () => {
    const data = await request(Pools, { after });
    return data.organization.licencePools.find((pool) => pool.productKey === productKey);
  }, [after, productKey]);
  const [pool, reload] = useLoaded(load, setError);
  const id = `pool-${productKey}`;

  async function change(run: () => Promise<Outcome>, done: string) {
    setError(null);
    setNotice(null);
    try {
      const result = await run();
      if (result.userErrors.length) return setError(result.userErrors.map((failure) => failure.message).join(' '));
      setNotice(done);
      reload();
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  async function assign(event: Event) {
    event.preventDefault();
    const found = (await request(FindUser, { search: email.trim() }).catch(() => null))?.users.edges ?? [];
    const user = found.find((edge) => edge.node.email?.toLowerCase() === email.trim().toLowerCase())?.node;
    if (!user) return setError(`No user has the email ${email}.`);
    await change(async () => (await request(Assign, { input: { userId: user.id, productKey } })).assignLicence, `${email} holds a ${name} licence.`);
    setEmail('');
  }

  async function resize(event: Event) {
    event.preventDefault();
    const input = { productKey, name, seats: Number(seats) };
    if (await changed(async () => (await request(Configure, { input })).configureLicencePool, setError)) {
      setNotice(`${name} has ${seats} licences.`);
      setSeats('');
      reload();
    }
  }

  return (
    <section class="pool" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>{name}</h2>
      <p class="count">{pool ? `${pool.used} of ${pool.seats} licences in use` : 'Loading…'}</p>
      <Alert message={error} />
      <Alert message={notice} tone="info" />
      <table>
        <caption class="visually-hidden">Holders of {name}</caption>
        <thead>
          <tr>
            <th scope="col">Holder</th>
            <th scope="col">Email</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {pool?.holders.edges.map(({ node }) => (
            <tr key={node.id}>
              <td>
                {node.firstName} {node.lastName}
              </td>
              <td>{node.email}</td>
              <td>
                <button
                  type="button"
                  class="danger"
                  aria-label={`Take back ${name} from ${node.firstName} ${node.lastName}`}
                  onClick={() =>
                    change(
                      async () => (await request(RevokeLicence, { input: { userId: node.id, productKey } })).revokeLicence,
                      `${node.firstName} ${node.lastName} no longer holds ${name}.`,
                    )
                  }
                >
                  Take back
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {pool && pool.holders.totalCount === 0 && <p>No one holds {name} yet.</p>}
      {(cursors.length > 1 || pool?.holders.pageInfo.hasNextPage) && (
        <nav class="pager" aria-label={`Pages of ${name} holders`}>
          <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
            Previous
          </button>
          <button
            type="button"
            disabled={!pool?.holders.pageInfo.hasNextPage}
            onClick={() => pool?.holders.pageInfo.endCursor && setCursors([...cursors, pool.holders.pageInfo.endCursor])}
          >
            Next
          </button>
        </nav>
      )}
      <form class="settings-form" onSubmit={assign}>
        <TextField id={`${id}-email`} label={`Give ${name} to (email)`} inputMode="email" value={email} onChange={setEmail} />
        <button type="submit">Give licence</button>
      </form>
      <form class="settings-form" onSubmit={resize}>
        <TextField id={`${id}-seats`} label={`Licences of ${name}`} value={seats} onChange={setSeats} />
        <button type="submit" disabled={!/^\d+$/.test(seats)}>
          Change the number
        </button>
      </form>
    </section>
  );
}
