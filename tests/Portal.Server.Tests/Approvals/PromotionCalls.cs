using System.Net;
using Portal.Contracts.Approvals;
using Portal.Server.Approvals;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Approvals;

/// <summary>The approvals endpoints as one-line calls.</summary>
internal static class PromotionCalls
{
    public static Task<HttpResponseMessage> RequestPromotion(this HttpClient http, string model, string alias, int version, string? comment = null) =>
        http.PostJson("/api/v1/promotions", new { model, alias, version, comment });

    public static Task<HttpResponseMessage> Approve(this HttpClient http, Guid id, string? comment = "looks good", string? overrideReason = null) =>
        http.PostJson($"/api/v1/promotions/{id}/approve", new { comment, overrideReason });

    public static Task<HttpResponseMessage> Deny(this HttpClient http, Guid id, string? comment) =>
        http.PostJson($"/api/v1/promotions/{id}/deny", new { comment });

    public static Task<HttpResponseMessage> Cancel(this HttpClient http, Guid id) =>
        http.PostJson($"/api/v1/promotions/{id}/cancel", new { comment = "not needed" });

    public static Task<PromotionView> Promotion(this HttpClient http, Guid id) => http.GetJson<PromotionView>($"/api/v1/promotions/{id}");

    public static Task<HttpResponseMessage> PutPolicy(this HttpClient http, string model, object policy) =>
        http.PutJson($"/api/v1/models/{model}/policy", policy);

    public static Task<HttpResponseMessage> Rollback(this HttpClient http, string model, string alias, string? comment = "bad in production") =>
        http.PostJson($"/api/v1/models/{model}/aliases/{alias}/rollback", new { comment });

    /// <summary>Creates a promotion request that must succeed, and returns it.</summary>
    public static async Task<PromotionView> Requested(this HttpClient http, string model, string alias, int version) =>
        await (await http.RequestPromotion(model, alias, version)).View(HttpStatusCode.Created);

    public static Task<PromotionView> View(this HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK) =>
        response.ReadJson<PromotionView>(expected);

    public static Task<T> Read<T>(this HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK) => response.ReadJson<T>(expected);

    /// <summary>Asserts a problem-details response with this status and returns its detail.</summary>
    public static async Task<string> Problem(this HttpResponseMessage response, HttpStatusCode expected) =>
        (await response.AssertProblem(expected)).Detail ?? "";
}
