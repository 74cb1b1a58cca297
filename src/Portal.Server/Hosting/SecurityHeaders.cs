using System.Security.Cryptography;

namespace Portal.Server.Hosting;

/// <summary>
/// Headers on every response that limit what a browser does with the portal's pages: a Content-Security-Policy
/// under which only the portal's own script files run (no inline script, no eval; a fresh nonce per response admits
/// the inline scripts the server itself writes: Blazor's import map and the API reference's start-up), no MIME
/// sniffing, no referrer sent on, and no framing by other sites. The nonce is made when a response first asks for
/// one (<see cref="ScriptNonce"/>): a response that writes no inline script (the API, /v2, static files) is sent the
/// same policy without a nonce, so it admits no inline script at all, and costs no random bytes.
/// </summary>
public static class SecurityHeaders
{
    private const string NonceKey = "Portal.ScriptNonce";

    private static readonly string s_policyWithoutNonce = Policy("'self'");

    private static readonly Func<object, Task> s_writeHeaders = static state =>
    {
        var context = (HttpContext)state;
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = context.Items.TryGetValue(NonceKey, out var nonce) && nonce is string given
            ? Policy($"'self' 'nonce-{given}'") : s_policyWithoutNonce;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        return Task.CompletedTask;
    };

    // Written as the response starts, so that responses which clear their headers (error pages) carry them too.
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(static (context, next) =>
    {
        context.Response.OnStarting(s_writeHeaders, context);
        return next(context);
    });

    /// <summary>The nonce that this response's policy admits on the inline scripts the server writes into it; made on the first call.</summary>
    /// <exception cref="InvalidOperationException">The response has already started, so its policy went out without a nonce.</exception>
    public static string ScriptNonce(HttpContext context)
    {
        if (context.Items.TryGetValue(NonceKey, out var made) && made is string nonce) return nonce;
        if (context.Response.HasStarted)
            throw new InvalidOperationException("An inline script asked for the response's nonce after the response started: its Content-Security-Policy was already sent without one, so the browser would refuse the script.");
        // base64url: no '+' or '/', which an HTML attribute would carry encoded.
        nonce = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
        context.Items[NonceKey] = nonce;
        return nonce;
    }

    private static string Policy(string scripts) => string.Join("; ",
        "default-src 'self'",
        $"script-src {scripts}",
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
