using System.Security.Cryptography;

namespace Portal.Server.Hosting;

/// <summary>
/// Headers on every response that limit what a browser does with the portal's pages: a Content-Security-Policy
/// under which only the portal's own script files run (no inline script, no eval; a fresh nonce per response admits
/// the inline scripts the server itself writes: Blazor's import map and the API reference's start-up), no MIME
/// sniffing, no referrer sent on, and no framing by other sites.
/// </summary>
public static class SecurityHeaders
{
    private const string NonceKey = "Portal.ScriptNonce";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        // base64url: no '+' or '/', which an HTML attribute would carry encoded.
        var nonce = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
        context.Items[NonceKey] = nonce;
        // Written as the response starts, so that responses which clear their headers (error pages) carry them too.
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy(nonce);
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            return Task.CompletedTask;
        });
        return next(context);
    });

    /// <summary>The nonce that this response's policy admits on the inline scripts the server writes into it.</summary>
    public static string ScriptNonce(HttpContext context) =>
        context.Items[NonceKey] as string ?? throw new InvalidOperationException("UseSecurityHeaders must run before anything that writes an inline script.");

    public static string ContentSecurityPolicy(string nonce) => string.Join("; ",
        "default-src 'self'",
        $"script-src 'self' 'nonce-{nonce}'",
        // MudBlazor styles inline: its theme is a <style> element and its components set style attributes.
        "style-src 'self' 'unsafe-inline'",
        // The page's icon is an empty data: URL.
        "img-src 'self' data:",
        // The circuit's WebSocket is same-origin, which 'self' covers.
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'");
}
