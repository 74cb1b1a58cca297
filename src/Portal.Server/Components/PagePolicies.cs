namespace Portal.Server.Components;

/// <summary>The API's role policies as constants, for <c>[Authorize(Policy = …)]</c> on pages (an attribute needs a constant).</summary>
public static class PagePolicies
{
    public const string Viewer = "AtLeastViewer";
    public const string Contributor = "AtLeastContributor";
    public const string Approver = "AtLeastApprover";
    public const string Admin = "AtLeastAdmin";
}
