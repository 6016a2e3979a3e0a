// The settings index: one link per settings page, with what each one is for.
import { useEffect } from 'preact/hooks';

const PAGES = [
  { path: 'communication', title: 'Communication', about: 'Invite on creation, and whether activation messages go by email, SMS or both.' },
  { path: 'signup', title: 'Sign-up', about: 'Whether people may sign themselves up, their defaults, allowed email domains, sign-up links and QR codes.' },
  { path: 'sso', title: 'Single sign-on', about: 'Identity providers people sign in with, the email domains each signs in, and first sign-in defaults.' },
  { path: 'scim', title: 'SCIM', about: "What your identity provider's SCIM provisioning may do, and the endpoint to give it." },
  { path: 'licences', title: 'Licences', about: 'Licence pools per product and who holds them.' },
  { path: 'api-clients', title: 'API clients', about: 'Tools that call Roster with their own credentials, and what they may do.' },
  { path: 'roles', title: 'Roles', about: "The organization's roles, for the applications that read users." },
  { path: 'catalog', title: 'Catalog', about: 'Departments, job profiles, permission types and companies.' },
  { path: 'audit', title: 'Audit log', about: 'Who changed what, and when.' },
] as const;

export function SettingsIndex() {
  useEffect(() => {
    document.title = 'Settings · Roster';
  }, []);
  return (
    <main class="screen settings">
      <h1>Settings</h1>
      <ul class="settings-index">
        {PAGES.map((page) => (
          <li key={page.path}>
            <a href={`/admin/settings/${page.path}`}>{page.title}</a>
            <p>{page.about}</p>
          </li>
        ))}
      </ul>
    </main>
  );
}
