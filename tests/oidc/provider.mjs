// A real OpenID provider on loopback for the sign-in tests (npm oidc-provider by panva).
//
// Started by tests/oidc/conftest.py with: node provider.mjs <port> <redirect_uri>
// and NODE_PATH pointing at .venv/oidc/node_modules. Prints "ready" once it listens.
// The development login form accepts any password; the login name picks the account.
import { createRequire } from 'node:module';

const require = createRequire(`${process.env.OIDC_NODE_MODULES}/`);
const { default: Provider } = await import(require.resolve('oidc-provider'));

const [port, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

// Login name -> claims. Addresses match people the tests put in an association's register.
const ACCOUNTS = {
  known: { email: 'oidc.known@example.org', email_verified: true },
  unverified: { email: 'oidc.unverified@example.org', email_verified: false },
  unknown: { email: 'oidc.nobody@example.org', email_verified: true },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'portal-test',
    client_secret: 'test-client-secret-for-loopback-only',
    redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  pkce: { required: () => true },
  async findAccount(ctx, id) {
    const claims = ACCOUNTS[id] ?? { email: `${id}@example.org`, email_verified: false };
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});
provider.proxy = false;

provider.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write('ready\n');
});
