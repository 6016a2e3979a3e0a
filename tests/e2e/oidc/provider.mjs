// The OpenID-certified oidc-provider (panva) as a small identity provider for Roster's
// end-to-end SSO tests: one confidential client, the authorization code flow with PKCE
// S256, the email and profile scopes, and the provider's own development login and
// consent pages (devInteractions), where any login name and any password sign in.
//
//   node provider.mjs --port 9000 --client-id roster --client-secret s3cret \
//     --redirect-uri http://127.0.0.1:8000/auth/acme/callback [--email-domain acme.example]
//
// Each option may come from the environment instead (OIDC_PORT, OIDC_CLIENT_ID,
// OIDC_CLIENT_SECRET, OIDC_REDIRECT_URIS comma-separated, OIDC_EMAIL_DOMAIN). The issuer is
// http://127.0.0.1:PORT. It prints one line `oidc-provider listening on ISSUER` when
// ready and stops on SIGINT or SIGTERM.
//
// The account signed in is the login name typed in the form: `sub` is that name, and the
// email is the name itself if it holds an "@", else NAME@EMAIL_DOMAIN; given and family
// names come from the local part ("grace.hopper" is Grace Hopper). email_verified is true.

import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const HOST = '127.0.0.1';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'email-domain': { type: 'string' },
  },
});

function setting(option, variable, fallback) {
  const found = args[option] ?? process.env[variable] ?? fallback;
  if (found === undefined || found === '' || (Array.isArray(found) && !found.length)) {
    console.error(`provider.mjs: --${option} (or ${variable}) is required`);
    process.exit(2);
  }
  return found;
}

const port = Number(setting('port', 'OIDC_PORT'));
const clientId = setting('client-id', 'OIDC_CLIENT_ID');
const clientSecret = setting('client-secret', 'OIDC_CLIENT_SECRET');
const redirectUris = [setting('redirect-uri', 'OIDC_REDIRECT_URIS')]
  .flat()
  .flatMap((uris) => uris.split(','))
  .map((uri) => uri.trim())
  .filter(Boolean);
const emailDomain = setting('email-domain', 'OIDC_EMAIL_DOMAIN', 'acme.example');
const issuer = `http://${HOST}:${port}`;

function capitalized(word) {
  return word ? word[0].toUpperCase() + word.slice(1).toLowerCase() : word;
}

function account(login) {
  const email = login.includes('@') ? login : `${login}@${emailDomain}`;
  const [first, ...rest] = email.split('@')[0].split(/[._-]+/).filter(Boolean);
  const givenName = capitalized(first ?? login);
  const familyName = rest.length ? rest.map(capitalized).join(' ') : 'Tester';
  return {
    accountId: login,
    async claims() {
      return {
        sub: login,
        email,
        email_verified: true,
        given_name: givenName,
        family_name: familyName,
        name: `${givenName} ${familyName}`,
      };
    },
  };
}

// A fresh RS256 signing key per run (Node exports JWKs itself), so that no development key
// of the package is used.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
  },
  scopes: ['openid', 'email', 'profile'],
  features: {
    devInteractions: { enabled: true },
  },
  // Only S256 exists in this version; require it, so that a client that leaves PKCE out
  // is refused rather than let through.
  pkce: { required: () => true },
  findAccount: async (ctx, id) => account(id),
});

for (const event of ['server_error', 'authorization.error', 'grant.error', 'userinfo.error']) {
  provider.on(event, (...details) => {
    const error = details.find((detail) => detail instanceof Error);
    console.error(`oidc-provider ${event}: ${error?.message ?? ''} ${error?.error_description ?? ''}`);
  });
}

const server = provider.listen(port, HOST, () => {
  console.log(`oidc-provider listening on ${issuer}`);
});

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}

process.on('SIGINT', stop);
process.on('SIGTERM', stop);
