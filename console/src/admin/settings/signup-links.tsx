// Department sign-up links: create one, copy it, print its QR code (Roster draws it on the
// link's URL, which is built on the public URL), revoke it.
import { useEffect, useState } from 'preact/hooks';
import { messageOf, request } from '../../api';
import { graphql } from '../../gql';
import type { SignupLinksReadQuery } from '../../gql/graphql';
import { Alert } from '../../ui';
import { CatalogSelect } from '../user-fields';

const Read = graphql(`
  query SignupLinksRead {
    signupLinks {
      id
      url
      createdAt
      revokedAt
      qrCodePng
      qrCodeSvg
      department {
        name
      }
    }
  }
`);
const Create = graphql(`
  mutation SignupLinkCreate($input: CreateSignupLinkInput!) {
    createSignupLink(input: $input) {
      signupLink {
        id
      }
      userErrors {
        message
      }
    }
  }
`);
const Revoke = graphql(`
  mutation SignupLinkRevoke($input: RevokeSignupLinkInput!) {
    revokeSignupLink(input: $input) {
      signupLink {
        id
      }
      userErrors {
        message
      }
    }
  }
`);

type Link = SignupLinksReadQuery['signupLinks'][number];

export function SignupLinks({ departments }: { departments: readonly { id: string; name: string; retired: boolean }[] }) {
  const [links, setLinks] = useState<readonly Link[] | null>(null);
  const [department, setDepartment] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    request(Read)
      .then((data) => setLinks(data.signupLinks))
      .catch((failure) => setError(messageOf(failure)));
  }, [version]);

  async function act(run: () => Promise<readonly { message: string }[]>, done: string) {
    setError(null);
    setNotice(null);
    try {
      const userErrors = await run();
      if (userErrors.length) setError(userErrors.map((failure) => failure.message).join(' '));
      else {
        setNotice(done);
        setVersion((count) => count + 1);
      }
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  const named = (link: Link) => link.department?.name ?? 'no department';
  const live = (links ?? []).filter((link) => !link.revokedAt);
  const revoked = (links ?? []).filter((link) => link.revokedAt);

  return (
    <section aria-labelledby="links-heading" class="panel">
      <h2 id="links-heading">Sign-up links</h2>
      <p class="lead">A link (or its QR code) opens your sign-up page with its department chosen.</p>
      <Alert message={error} />
      <Alert message={notice} tone="info" />
      <div class="inline-form">
        <CatalogSelect id="link-department" label="Department of the new link" value={department} entries={departments} onChange={setDepartment} />
        <button
          type="button"
          onClick={() =>
            act(
              async () => (await request(Create, { input: { departmentId: department || null } })).createSignupLink.userErrors,
              'Sign-up link created.',
            )
          }
        >
          Create sign-up link
        </button>
      </div>
      {links && live.length === 0 && <p>No sign-up links yet.</p>}
      <ul class="links">
        {live.map((link) => (
          <li key={link.id} class="link-card">
            <img src={link.qrCodePng} alt={`QR code of the sign-up link for ${named(link)}`} width={160} height={160} />
            <div>
              <h3>{named(link)}</h3>
              <p>
                <a href={link.url} class="link-url">
                  {link.url}
                </a>
              </p>
              <p class="hint">Created {new Date(link.createdAt).toLocaleString()}</p>
              <div class="actions">
                <button
                  type="button"
                  aria-label={`Copy link for ${named(link)}`}
                  onClick={() =>
                    navigator.clipboard.writeText(link.url).then(
                      () => setNotice(`The link for ${named(link)} is copied.`),
                      () => setError('The link could not be copied: select it and copy it yourself.'),
                    )
                  }
                >
                  Copy link
                </button>
                <a
                  class="button"
                  href={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(link.qrCodeSvg)}`}
                  download={`sign-up-${named(link).replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()}.svg`}
                  aria-label={`Download QR code (SVG) for ${named(link)}`}
                >
                  Download QR code (SVG)
                </a>
                <button
                  type="button"
                  class="danger"
                  aria-label={`Revoke the sign-up link for ${named(link)}`}
                  onClick={() =>
                    act(
                      async () => (await request(Revoke, { input: { id: link.id } })).revokeSignupLink.userErrors,
                      `The link for ${named(link)} is revoked.`,
                    )
                  }
                >
                  Revoke
                </button>
              </div>
            </div>
          </li>
        ))}
      </ul>
      {revoked.length > 0 && (
        <details>
          <summary>Revoked links ({revoked.length})</summary>
          <ul>
            {revoked.map((link) => (
              <li key={link.id}>
                {named(link)}: revoked {new Date(link.revokedAt as string).toLocaleString()}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
