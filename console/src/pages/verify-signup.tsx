import { request } from '../api';
import { graphql } from '../gql';
import { LinkPasswordPage } from './link-password';

const Verify = graphql(`
  mutation VerifySignUp($input: VerifySignUpInput!) {
    verifySignUp(input: $input) {
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
  title: 'Confirm your sign-up',
  lead: 'Choose a password to finish creating your account.',
  spentTitle: 'This link cannot be used',
  spent:
    "This sign-up link has expired or has already been used. Sign up again for a new link; if you already chose your password, sign in from your organization's sign-in page.",
  refused: 'Your sign-up was not confirmed.',
  again: { label: 'Sign up again', path: (organization: string) => `/signup/${organization}` },
};

/** /verify-signup#token=…, the link of the sign-up email or text: choose a password, signed in. */
export function VerifySignup() {
  return <LinkPasswordPage texts={TEXTS} run={async (token, password) => (await request(Verify, { input: { token, password } })).verifySignUp} />;
}
