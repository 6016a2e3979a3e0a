import { graphql } from './gql';

export const SignOut = graphql(`
  mutation SignOut {
    signOut {
      ok
    }
  }
`);

export const Me = graphql(`
  query Me {
    me {
      id
      firstName
      lastName
      email
      username
      roles
    }
  }
`);

export const ADMIN_ROLE = 'ADMIN';

/** Where a person goes once signed in: admins to the Users page, others home. */
export function landingFor(roles: readonly string[]): string {
  return roles.includes(ADMIN_ROLE) ? '/admin/users' : '/';
}
