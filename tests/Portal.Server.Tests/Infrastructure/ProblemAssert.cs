using System.Net;
using System.Net.Http.Json;

namespace Portal.Server.Tests.Infrastructure;

/// <summary>An RFC 9457 problem details body.</summary>
public sealed record ProblemBody(string? Type, string? Title, int? Status, string? Detail);

public static class ProblemAssert
{
    /// <summary>
    /// Asserts an <c>application/problem+json</c> response with <paramref name="status"/> whose detail contains every
    /// fragment in <paramref name="detailContains"/> (ignoring case), and returns the problem.
    /// </summary>
    public static async Task<ProblemBody> AssertProblem(this HttpResponseMessage response, HttpStatusCode status, params string[] detailContains)
    {
        await response.AssertStatus(status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ProblemBody>(HttpJson.Options);
        Assert.NotNull(problem);
        Assert.Equal((int)status, problem.Status);
        foreach (var fragment in detailContains)
        {
            Assert.True(problem.Detail?.Contains(fragment, StringComparison.OrdinalIgnoreCase) == true,
                $"The problem's detail should mention '{fragment}', but was: {problem.Detail ?? "(none)"}");
        }
        return problem;
    }
}
