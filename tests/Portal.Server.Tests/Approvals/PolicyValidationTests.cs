using Portal.Contracts.Approvals;
using Portal.Server.Approvals;
using Portal.Server.Auth;

namespace Portal.Server.Tests.Approvals;

public sealed class PolicyValidationTests
{
    private static readonly PolicySettings s_empty = new(null, null, null, null, null, null, null);

    [Fact]
    public void Omitted_fields_take_the_defaults()
    {
        var policy = PromotionPolicies.Validate(Guid.NewGuid(), s_empty);

        Assert.Equal(["production"], policy.ProtectedAliases);
        Assert.Equal((1, PortalRoles.Approver, 72), (policy.RequiredApprovals, policy.ApproverRole, policy.RequestLifetimeHours));
        Assert.Null(policy.MinAccuracy);
    }

    [Fact]
    public void The_approver_role_is_spelled_canonically()
    {
        Assert.Equal(PortalRoles.Admin, PromotionPolicies.Validate(Guid.NewGuid(), s_empty with { ApproverRole = "ADMIN" }).ApproverRole);
    }

    [Fact]
    public void An_empty_alias_list_protects_nothing()
    {
        var policy = PromotionPolicies.Validate(Guid.NewGuid(), s_empty with { ProtectedAliases = [] });

        Assert.False(PromotionPolicies.IsProtected(policy, "production"));
    }

    [Fact]
    public void Protection_ignores_case()
    {
        var policy = PromotionPolicies.Validate(Guid.NewGuid(), s_empty with { ProtectedAliases = ["production", "canary-eu"] });

        Assert.True(PromotionPolicies.IsProtected(policy, "Production"));
        Assert.True(PromotionPolicies.IsProtected(policy, "canary-eu"));
        Assert.False(PromotionPolicies.IsProtected(policy, "staging"));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(-0.1)]
    [InlineData(1.01)]
    public void Accuracy_thresholds_must_be_fractions(double value)
    {
        var error = Assert.Throws<Refusal>(() => PromotionPolicies.Validate(Guid.NewGuid(), s_empty with { MinAccuracy = value }));

        Assert.Contains("minAccuracy is a fraction between 0 and 1", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Production")]
    [InlineData("prod/uction")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234x")]
    public void Alias_names_follow_the_registry_spelling(string alias)
    {
        var error = Assert.Throws<Refusal>(() => PromotionPolicies.Validate(Guid.NewGuid(), s_empty with { ProtectedAliases = [alias] }));

        Assert.Contains($"protectedAliases: Alias name '{alias}' is not allowed", error.Message);
    }
}
