// A certified OpenID Provider for the tests: npm oidc-provider (pinned in package-lock.json) on a loopback
// port, with one confidential test client and test users. devInteractions is its own login form (any
// user name from USERS below; the password is not checked), so Playwright and the HTTP tests can log in;
// consent is granted at once for the test client.
//   node tests/idp/oidc_op.mjs <port> <redirect_uri> <post_logout_redirect_uri>
import Provider from 'oidc-provider';

const [port, redirectUri, postLogoutUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const USERS = {
  'sekretaer': { name: 'Sara Sekretær', email: 'sara@kl.test', groups: ['byplan-sekretariat'] },
  'admin': { name: 'Anders Admin', email: 'anders@kl.test', groups: ['byplan-sekretariat', 'byplan-admin'] },
  'udenfor': { name: 'Ulla Udenfor', email: 'ulla@kl.test', groups: ['andet'] },
};

const configuration = {
  clients: [{
    client_id: 'byplan',
    client_secret: 'byplan-test-secret',
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [postLogoutUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'email', 'groups'],
  claims: { openid: ['sub'], profile: ['name'], email: ['email'], groups: ['groups'] },
  conformIdTokenClaims: false, // the ID token carries the scopes' claims (as Entra ID's does)
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  cookies: { keys: ['byplan-test-cookie-key'] },
  ttl: { IdToken: 120 }, // short, so the expiry test need not wait: it moves Byplan's clock 6 minutes on
  async findAccount(ctx, id) {
    const user = USERS[id];
    if (!user) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...user }; } };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId,
                                                accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile email groups');
    await grant.save();
    return grant;
  },
};

const provider = new Provider(issuer, configuration);
provider.on('server_error', (ctx, err) => console.error('server_error', err));
provider.listen(Number(port), '127.0.0.1', () => { console.log(`ready ${issuer}`); });
