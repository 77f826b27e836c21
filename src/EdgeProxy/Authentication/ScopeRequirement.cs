using Microsoft.AspNetCore.Authorization;

namespace EdgeProxy.Authentication;

/// <summary>
/// Every listed scope must be granted. Issuers put scopes in <c>scope</c> (RFC 8693, space-separated) or
/// <c>scp</c> (Entra ID: space-separated string or array); both are read.
/// </summary>
internal sealed class ScopeRequirement(IReadOnlyList<string> scopes) : AuthorizationHandler<ScopeRequirement>, IAuthorizationRequirement
{
    private static readonly string[] ScopeClaims = ["scope", "scp"];

    public IReadOnlyList<string> Scopes { get; } = scopes;

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        var granted = context.User.Claims
            .Where(c => ScopeClaims.Contains(c.Type, StringComparer.Ordinal))
            .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToHashSet(StringComparer.Ordinal);
        if (requirement.Scopes.All(granted.Contains))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }

    public override string ToString() => $"ScopeRequirement: all of {string.Join(' ', Scopes)}";
}
