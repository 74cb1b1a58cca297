using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Registry;

public sealed class UploadLimitTests
{
    [Fact]
    public async Task An_onnx_upload_larger_than_the_configured_limit_is_refused_as_too_large()
    {
        using var portal = new SmallUploadPortal();
        var admin = await portal.AdminClient();
        (await admin.PostAsJsonAsync("/api/v1/models", new { name = "limited" })).EnsureSuccessStatusCode();
        using var form = new MultipartFormDataContent { { new ByteArrayContent(new byte[3 * SmallUploadPortal.Limit]), "file", "large.onnx" } };

        var response = await admin.PostAsync("/api/v1/models/limited/versions/import", form);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains($"{SmallUploadPortal.Limit} byte limit", await response.ProblemDetail());
    }

    [Fact]
    public async Task An_upload_over_the_limit_names_the_setting_that_raises_it()
    {
        using var portal = new SmallUploadPortal();
        var admin = await portal.AdminClient();
        (await admin.PostAsJsonAsync("/api/v1/models", new { name = "limited" })).EnsureSuccessStatusCode();
        using var form = new MultipartFormDataContent { { new ByteArrayContent(new byte[3 * SmallUploadPortal.Limit]), "file", "large.onnx" } };

        var response = await admin.PostAsync("/api/v1/models/limited/versions/import", form);

        await response.AssertProblem(HttpStatusCode.RequestEntityTooLarge, "Portal:MaxUploadBytes", "Portal__MaxUploadBytes");
    }

    [Fact]
    public async Task A_json_body_over_its_limit_is_413_naming_the_setting_that_raises_it()
    {
        using var portal = new SmallUploadPortal();
        // Kestrel enforces body limits; the in-memory test server does not.
        portal.UseKestrel(0);
        portal.StartServer();
        var admin = await portal.AdminClient();

        var response = await admin.PostAsJsonAsync("/api/v1/models", new { name = "verbose", description = new string('x', SmallUploadPortal.Limit) });

        await response.AssertProblem(HttpStatusCode.RequestEntityTooLarge, $"{SmallUploadPortal.Limit / 8} bytes", "Portal:MaxJsonBodyBytes", "Portal__MaxJsonBodyBytes");
    }

    [Fact]
    public async Task An_onnx_upload_larger_than_json_bodies_but_within_the_limit_is_read()
    {
        using var portal = new SmallUploadPortal();
        var admin = await portal.AdminClient();
        (await admin.PostAsJsonAsync("/api/v1/models", new { name = "limited" })).EnsureSuccessStatusCode();
        // Zeros are not ONNX: reaching the engine's verdict shows the whole body was accepted and read.
        using var form = new MultipartFormDataContent { { new ByteArrayContent(new byte[SmallUploadPortal.Limit / 2]), "file", "zeros.onnx" } };

        var response = await admin.PostAsync("/api/v1/models/limited/versions/import", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"({SmallUploadPortal.Limit / 2} bytes)", await response.ProblemDetail());
    }

    private sealed class SmallUploadPortal : PortalFactory
    {
        public const int Limit = 256 * 1024;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Portal:MaxUploadBytes", Limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("Portal:MaxJsonBodyBytes", (Limit / 8).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
