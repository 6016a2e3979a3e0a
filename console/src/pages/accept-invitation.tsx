import { request } from '../api';
import { graphql } from '../gql';
import { LinkPasswordPage } from './link-password';

const AcceptInvitation = graphql(`
  mutation AcceptInvitation($input: AcceptInvitationInput!) {
    acceptInvitation(input: $input) {
      ssoLoginUrl
      user {
        id
        roles
      }
      userErrors {
        code
        message
      }
    }
  }
`);

const TEXTS = {
  title: 'Accept your invitation',
  lead: 'Choose a password to finish setting up your account.',
  spentTitle: 'This invitation cannot be used',
  spent:
    "This invitation link has expired or has already been used. Ask your administrator to send you a new invitation; if you already set your password, sign in from your organization's sign-in page.",
  refused: 'The invitation was not accepted.',
};

/** /accept-invitation#token=…: set a password, or continue with SSO where the invitation leads there. */
export function AcceptInvitationPage() {
  return (
    <LinkPasswordPage texts={TEXTS} run={async (token, password) => (await request(AcceptInvitation, { input: { token, password } })).acceptInvitation} />
  );
}
export { AcceptInvitationPage as AcceptInvitation };
