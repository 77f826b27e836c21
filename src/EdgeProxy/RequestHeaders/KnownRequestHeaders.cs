using static EdgeProxy.RequestHeaders.HeaderFamily;

namespace EdgeProxy.RequestHeaders;

/// <summary>
/// The one list of request headers that only a proxy may set: what the load balancers, CDNs, ingress
/// controllers and authenticating proxies operators put in front of an app use to say who the client is,
/// which certificate it showed, which URL or method the app should act on. A client can send any of them,
/// and many front ends pass a client's copy through untouched (Fastly documents that a client's own
/// <c>Fastly-Client-IP</c> is kept), so every one is removed from every request before anything reads it
/// (<see cref="InboundHeadersMiddleware"/>). A name ending in <c>*</c> is a prefix. Names are matched by
/// <see cref="HeaderNameKey"/>, so case, <c>-</c>/<c>_</c> and other separators do not matter, and a
/// <c>Grpc-Metadata-</c> copy of any of them is removed too (<see cref="StripRules"/>).
/// Not here, on purpose: tracing ids (<c>traceparent</c>, <c>X-Amzn-Trace-Id</c>, <c>X-Request-Id</c>) claim
/// nothing about the client, and <c>CloudFront-Is-*-Viewer</c> device hints decide no access.
/// </summary>
internal static class KnownRequestHeaders
{
    public static readonly IReadOnlyList<KnownHeader> All =
    [
        // RFC 7239 and the de-facto X-Forwarded-* family (MDN, nginx, Traefik, Caddy); EdgeProxy writes its own.
        new("Forwarded", ClientAddress), new("X-Forwarded-*", ClientAddress), new("X-Real-IP", ClientAddress),
        new("X-Client-IP", ClientAddress), new("Client-IP", ClientAddress), new("True-Client-IP", ClientAddress),
        new("X-True-Client-IP", ClientAddress), new("X-Cluster-Client-IP", ClientAddress), new("X-Originating-IP", ClientAddress),
        new("X-ProxyUser-IP", ClientAddress), new("X-Url-Scheme", ClientAddress), new("Front-End-Https", ClientAddress),
        new("X-Remote-*", ClientAddress), // X-Remote-Addr, X-Remote-IP

        // WebLogic proxy plug-in: Proxy-Client-IP, WL-Proxy-Client-IP, WL-Proxy-SSL, WL-Proxy-Client-Cert.
        new("Proxy-Client-IP", ClientAddress), new("WL-Proxy-Client-IP", ClientAddress), new("WL-Proxy-SSL", ClientAddress),
        new("WL-Proxy-Client-Cert", Certificate),

        // ingress-nginx (kubernetes.github.io/ingress-nginx, annotations auth-tls-*): ssl-client-cert, ssl-client-verify,
        // ssl-client-subject-dn, ssl-client-issuer-dn; X-Original-Forwarded-For keeps the client's own XFF.
        new("SSL-Client-*", Certificate), new("X-Original-Forwarded-For", ClientAddress),

        // nginx and HAProxy conventions (proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert; HAProxy
        // "http-request set-header X-SSL-Client-DN %{+Q}[ssl_c_s_dn]"): X-SSL, X-SSL-Client-*, X-SSL-Cert.
        new("X-SSL*", Certificate), new("X-Client-Verify", Certificate), new("X-Client-DN", Certificate),

        // RFC 9440 (also what Cloudflare and CloudFront emit): Client-Cert, Client-Cert-Chain.
        new("Client-Cert*", Certificate),

        // Google Cloud load balancers, mTLS custom headers (cloud.google.com/load-balancing/docs/https/custom-headers):
        // X-Client-Cert-Present, -Chain-Verified, -Error, -Hash, -Subject-DN, -Issuer-DN, -Serial-Number, -Spiffe,
        // -Uri-Sans, -Dnsname-Sans, -Valid-Not-Before/-After. ASP.NET Core's certificate forwarding reads X-Client-Cert.
        new("X-Client-Cert*", Certificate),

        // Envoy and Istio (envoyproxy.io, HTTP connection manager "headers"): x-forwarded-client-cert; x-envoy-* are
        // Envoy's internal control headers (x-envoy-internal, x-envoy-original-path, x-envoy-original-dst-host,
        // x-envoy-peer-metadata, retry and timeout overrides), which an Envoy behind us obeys and an edge Envoy strips.
        new("X-Forwarded-Client-Cert", Certificate), new("X-Envoy-*", UrlOverride), new("X-Envoy-External-Address", ClientAddress),
        new("X-Istio-Attributes", Identity),

        // Traefik (doc.traefik.io, middlewares passTLSClientCert and forwardAuth).
        new("X-Forwarded-Tls-Client-Cert*", Certificate), new("X-Forwarded-SSL-Client-Cert", Certificate),
        new("X-Forwarded-Uri", UrlOverride), new("X-Forwarded-Path", UrlOverride), new("X-Forwarded-Method", UrlOverride),

        // AWS: ALB mTLS (X-Amzn-Mtls-Clientcert, -Serial-Number, -Issuer, -Subject, -Validity, -Leaf) and
        // authenticate-oidc (x-amzn-oidc-accesstoken, -identity, -data); CloudFront (CloudFront-Viewer-Address,
        // -Country, -City, -Tls, -JA3-Fingerprint ...; viewer mTLS CloudFront-Viewer-Cert-*; CloudFront-Forwarded-Proto).
        new("X-Amzn-Mtls-Clientcert*", Certificate), new("X-Amzn-Oidc-*", Identity),
        new("CloudFront-Viewer-*", ClientAddress), new("CloudFront-Viewer-Cert-*", Certificate), new("CloudFront-Forwarded-Proto", ClientAddress),

        // Google: IAP (x-goog-authenticated-user-email/-id, x-goog-iap-jwt-assertion), Cloud Run (X-Serverless-Authorization),
        // App Engine (X-AppEngine-User-Email, X-Appengine-Cron, X-AppEngine-Country ...), Cloud Tasks and Scheduler markers.
        new("X-Goog-Authenticated-User-*", Identity), new("X-Goog-IAP-JWT-Assertion", Identity), new("X-Serverless-Authorization", Identity),
        new("X-AppEngine-*", Identity), new("X-CloudTasks-*", Identity), new("X-CloudScheduler", Identity),

        // Azure: Front Door (X-Azure-ClientIP, X-Azure-SocketIP, X-Azure-FDID), Application Gateway (X-Original-Host,
        // X-Original-URL), App Service (X-ARR-ClientCert, X-ARR-SSL, X-Client-IP, DISGUISED-HOST, X-WAWS-Unencoded-URL)
        // and its authentication (X-MS-CLIENT-PRINCIPAL, -ID, -NAME, -IDP; X-MS-TOKEN-<provider>-ACCESS-TOKEN ...).
        new("X-Azure-ClientIP", ClientAddress), new("X-Azure-SocketIP", ClientAddress), new("X-Azure-FDID", ClientAddress),
        new("X-ARR-ClientCert", Certificate), new("X-ARR-SSL", ClientAddress), new("Disguised-Host", UrlOverride),
        new("X-WAWS-Unencoded-URL", UrlOverride), new("X-MS-Client-Principal*", Identity), new("X-MS-Token-*", Identity),

        // Cloudflare: CF-Connecting-IP, CF-Connecting-IPv6, CF-Pseudo-IPv4, CF-IPCountry (apps geo-block on it),
        // CF-Visitor (the scheme), mTLS forwarding (Cf-Client-Cert-Der-Base64, Cf-Client-Cert-Sha256), Access
        // (Cf-Access-Jwt-Assertion, Cf-Access-Authenticated-User-Email).
        new("CF-Connecting-IP", ClientAddress), new("CF-Connecting-IPv6", ClientAddress), new("CF-Pseudo-IPv4", ClientAddress),
        new("CF-IPCountry", ClientAddress), new("CF-Visitor", ClientAddress), new("Cf-Client-Cert-*", Certificate),
        new("Cf-Access-Jwt-Assertion", Identity), new("Cf-Access-Authenticated-User-Email", Identity),

        // Akamai (True-Client-IP above; EdgeScape geography) and Fastly (Fastly-Client-IP, Fastly-SSL, Fastly-Client).
        new("X-Akamai-Edgescape", ClientAddress), new("Fastly-Client-IP", ClientAddress), new("Fastly-SSL", ClientAddress),
        new("Fastly-Client", ClientAddress),

        // Kong (docs.konghq.com, key-auth/basic-auth/oauth2/openid-connect): X-Consumer-ID, -Custom-ID, -Username,
        // -Groups, X-Credential-Identifier, X-Anonymous-Consumer, X-Authenticated-Scope/-Userid, X-Userinfo.
        new("X-Consumer-*", Identity), new("X-Credential-*", Identity), new("X-Anonymous-Consumer", Identity),
        new("X-Authenticated-*", Identity), new("X-Userinfo", Identity),

        // Authenticating proxies: oauth2-proxy (X-Auth-Request-*, X-Forwarded-User/-Email/-Groups/-Preferred-Username/
        // -Access-Token), Authelia (Remote-User, -Groups, -Email, -Name), authentik (X-authentik-*), Pomerium
        // (X-Pomerium-Jwt-Assertion, X-Pomerium-Claim-*), Vouch (X-Vouch-*), Grafana/Gitea auth proxy (X-WEBAUTH-USER),
        // Apache and Kubernetes request-header authentication (X-Remote-User, X-Remote-Group, X-Remote-Extra-*).
        new("X-Auth-Request-*", Identity), new("X-Forwarded-User", Identity), new("X-Forwarded-Email", Identity),
        new("X-Forwarded-Groups", Identity), new("X-Forwarded-Preferred-Username", Identity), new("X-Forwarded-Access-Token", Identity),
        new("Remote-User", Identity), new("Remote-Groups", Identity), new("Remote-Email", Identity), new("Remote-Name", Identity),
        new("X-Authentik-*", Identity), new("X-Pomerium-*", Identity), new("X-Vouch-*", Identity), new("X-Webauth-*", Identity),
        new("X-Remote-User", Identity), new("X-Remote-Group", Identity), new("X-Remote-Extra-*", Identity),

        // More authenticating front ends: Tailscale Serve (Tailscale-User-Login, -Name, -Profile-Pic), Google Cloud
        // Endpoints (X-Endpoint-API-UserInfo) and API Gateway (X-Apigateway-Api-Userinfo), Apache mod_auth_openidc
        // (OIDC_CLAIM_<claim>, OIDC_access_token, OIDC_access_token_expires, OIDC_id_token, OIDC_id_token_payload,
        // OIDC_userinfo_json), Envoy jwt_authn's forward_payload_header convention (X-Jwt-Payload), Kubernetes user
        // impersonation (Impersonate-User, -Group, -Uid, -Extra-<key>), Shibboleth (Shib-Identity-Provider,
        // Shib-Session-ID ...) and mod_auth_mellon (Mellon-<attribute>), and the generic names many auth proxies
        // and apps use (X-Auth-User/-Email/-Roles/-Groups/-Userid/-Subject, X-User, X-Username, X-Oidc-*).
        // Not X-Auth-* as a prefix: X-Auth-Token is a client's own credential in OpenStack and others.
        new("Tailscale-User-*", Identity), new("X-Endpoint-API-UserInfo", Identity), new("X-Apigateway-Api-Userinfo", Identity),
        new("OIDC-*", Identity), new("X-Oidc-*", Identity), new("X-Jwt-Payload", Identity), new("Impersonate-*", Identity),
        new("Shib-*", Identity), new("Mellon-*", Identity),
        new("X-Auth-User", Identity), new("X-Auth-Email", Identity), new("X-Auth-Roles", Identity), new("X-Auth-Groups", Identity),
        new("X-Auth-Userid", Identity), new("X-Auth-Subject", Identity), new("X-User", Identity), new("X-Username", Identity),

        // More CDNs' client-address headers: Fly.io (Fly-Client-IP), Imperva Incapsula (Incap-Client-IP), Sucuri
        // (X-Sucuri-ClientIP), Vercel (X-Vercel-Forwarded-For), Netlify (X-Nf-Client-Connection-Ip), Akamai
        // (Akamai-Client-IP, X-Akamai-Client-IP), Alibaba Cloud CDN (Ali-Cdn-Real-Ip), Tencent/Baidu (Cdn-Src-Ip),
        // X-Edge-Client-IP, Azure (X-Ms-Forwarded-Client-Ip).
        new("Fly-Client-IP", ClientAddress), new("Incap-Client-IP", ClientAddress), new("X-Sucuri-ClientIP", ClientAddress),
        new("X-Vercel-Forwarded-For", ClientAddress), new("X-Nf-Client-Connection-Ip", ClientAddress), new("Akamai-Client-IP", ClientAddress),
        new("X-Akamai-Client-IP", ClientAddress), new("Ali-Cdn-Real-Ip", ClientAddress), new("Cdn-Src-Ip", ClientAddress),
        new("X-Edge-Client-IP", ClientAddress), new("X-Ms-Forwarded-Client-Ip", ClientAddress),

        // URL overrides read by frameworks as the URL to serve (IIS URL Rewrite, Zend/Symfony X-Original-URL and
        // X-Rewrite-URL; nginx auth_request's X-Original-URI/-Method) and host overrides (X-Host, X-HTTP-Host-Override):
        // with one of these a request routed by one route's policy is served as another path.
        new("X-Original-*", UrlOverride), new("X-Original-For", ClientAddress), new("X-Original-Proto", ClientAddress),
        new("X-Rewrite-URL", UrlOverride), new("X-Override-URL", UrlOverride), new("X-HTTP-DestinationURL", UrlOverride),
        new("X-Proxy-URL", UrlOverride), new("X-Host", UrlOverride), new("X-HTTP-Host-Override", UrlOverride),

        // Method overrides: Rack/Rails, Express method-override, Symfony, ASP.NET Core HttpMethodOverride, Google APIs
        // (X-HTTP-Method-Override); OData and SharePoint (X-HTTP-Method); Restlet and others (X-Method-Override).
        new("X-HTTP-Method-Override", MethodOverride), new("X-HTTP-Method", MethodOverride), new("X-Method-Override", MethodOverride),
    ];

    /// <summary>What EdgeProxy writes itself: never passed on from anyone, whatever the configuration says.</summary>
    public static readonly IReadOnlyList<string> Owned =
    [
        "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port", "X-Forwarded-Prefix", "X-Real-IP", "Forwarded",
        "X-Auth-Request-User", "X-Auth-Request-Email", "X-Auth-Request-Groups",
    ];
}

/// <summary>One entry of <see cref="KnownRequestHeaders.All"/>; <see cref="Name"/> ending in <c>*</c> is a prefix.</summary>
internal sealed record KnownHeader(string Name, HeaderFamily Family)
{
    public bool IsPrefix => Name.EndsWith('*');

    public string Key => HeaderNameKey.Of(Name);
}
