// A real OpenID Connect provider for the single sign-on tests (tests/test_sso_browser.py), on the
// `oidc-provider` package: one confidential client, a small table of people, and the package's
// own development sign-in page (it accepts any login; the login names the person).
//
// OIDC_PORT, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI come from the test fixture.
import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;

// login -> the claims the provider vouches for. Any other login is its own e-mail, verified.
const PEOPLE = {
  "unverified@northwind.example": { email: "unverified@northwind.example", email_verified: false },
  "elsewhere@other.example": { email: "elsewhere@other.example", email_verified: true },
};

function claimsOf(login) {
  const known = PEOPLE[login] ?? { email: login, email_verified: true };
  return { sub: `sub-${login}`, name: login, ...known };
}

const configuration = {
  clients: [
    {
      client_id: process.env.OIDC_CLIENT_ID,
      client_secret: process.env.OIDC_CLIENT_SECRET,
      redirect_uris: [process.env.OIDC_REDIRECT_URI],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
    },
  ],
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  cookies: { keys: ["partnerhub-test-only-cookie-key"] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return { ...claimsOf(id), sub: id }; } };
  },
  // A first-party client: no consent screen, the grant is given at once.
  async loadExistingGrant(ctx) {
    const grantId =
      ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      return ctx.oidc.provider.Grant.find(grantId);
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid email profile");
    grant.addOIDCClaims(["email", "email_verified", "name"]);
    await grant.save();
    return grant;
  },
};

const provider = new Provider(issuer, configuration);
provider.listen(port, "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
