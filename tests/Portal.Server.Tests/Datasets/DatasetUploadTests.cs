using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts;
using Portal.Contracts.Datasets;
using Portal.Server.Api;
using Portal.Server.Auth;
using Portal.Server.Datasets;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Datasets;

public sealed class DatasetUploadTests(DatasetsPortal portal) : IClassFixture<DatasetsPortal>
{
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private async Task<HttpClient> Contributor() => await portal.CreateClientAs(PortalRoles.Contributor);

    /// <summary>Posts an upload that must be refused, and checks that it left no row and no file behind.</summary>
    private async Task<ProblemBody> Refused(HttpClient client, string path, HttpContent body, HttpStatusCode status, params string[] detail)
    {
        var before = await portal.Contents();
        var problem = await (await client.PostAsync(path, body)).AssertProblem(status, detail);
        var after = await portal.Contents();
        Assert.True(before.Same(after), $"The refused upload changed the store.\nbefore: {before}\nafter:  {after}");
        return problem;
    }

    [Fact]
    public async Task An_idx_upload_registers_the_dataset_with_its_shape_count_classes_and_files()
    {
        var client = await Contributor();
        var (images, labels) = IdxFiles.Separable(120, 6, 3, seed: 1);
        var name = Unique("blobs");

        var created = await (await client.PostAsync("/api/v1/datasets/idx", Uploads.Idx(name, images, labels, "low, middle, high")))
            .ReadJson<DatasetView>(HttpStatusCode.Created);

        Assert.Equal((name, DatasetFormat.Idx, 120), (created.Name, created.Format, created.Count));
        Assert.Equal([1, 6, 6], created.SampleShape);
        Assert.Equal(["low", "middle", "high"], created.ClassNames);
        Assert.Equal((Sha(images), Sha(labels)), (created.PrimaryArtifact, created.LabelsArtifact));
        Assert.True(File.Exists(Path.Combine(portal.ArtifactsDirectory, Sha(images)[..2], Sha(images))));
        Assert.Equivalent(created, await client.GetJson<DatasetView>($"/api/v1/datasets/{created.Id}"), strict: true);
        var rows = await portal.InDatabase(db => db.Artifacts.Where(a => a.Sha256 == Sha(images) || a.Sha256 == Sha(labels)).ToListAsync());
        Assert.Equal([images.Length, labels.Length], rows.OrderByDescending(r => r.Size).Select(r => (int)r.Size));
        var audit = await portal.InDatabase(db => db.AuditEvents.SingleAsync(e => e.SubjectId == created.Id.ToString()));
        Assert.Equal("dataset.import", audit.Action);
        var loaded = await portal.Services.GetRequiredService<DatasetLoader>().Load(created.Id, default);
        Assert.Equal((120, 36), (loaded.Count, loaded.FeatureCount));
    }

    [Fact]
    public async Task Gzip_compressed_idx_files_are_read_like_raw_ones()
    {
        var (images, labels) = IdxFiles.Separable(40, 4, 2, seed: 2);

        var created = await (await (await Contributor()).PostAsync("/api/v1/datasets/idx", Uploads.Idx(Unique("zipped"), Gzip(images), Gzip(labels))))
            .ReadJson<DatasetView>(HttpStatusCode.Created);

        Assert.Equal((40, 2), (created.Count, created.ClassNames.Length));
        Assert.Equal(Sha(Gzip(images)), created.PrimaryArtifact);
    }

    [Fact]
    public async Task A_csv_upload_takes_the_label_column_header_and_skipped_lines_and_the_loader_reads_it_back()
    {
        const string csv = "# exported by a tool\n# units: cm\nwidth,species,length\n1.5,setosa,2\n3.25,virginica,4.5\n2,setosa,1e1\n";

        var created = await (await (await Contributor()).PostAsync("/api/v1/datasets/csv",
                Uploads.Csv(Unique("flowers"), csv, ("labelColumn", "species"), ("skipLines", "2"), ("header", "true"), ("task", "classification"))))
            .ReadJson<DatasetView>(HttpStatusCode.Created);

        Assert.Equal((DatasetFormat.Csv, 3), (created.Format, created.Count));
        Assert.Equal([2], created.SampleShape);
        Assert.Equal(["setosa", "virginica"], created.ClassNames);
        Assert.Equal("species", created.CsvOptions!.Value.GetProperty("labelColumn").GetString());
        var loaded = await portal.Services.GetRequiredService<DatasetLoader>().Load(created.Id, default);
        Assert.Equal([1.5f, 2, 3.25f, 4.5f, 2, 10], loaded.Features.ToArray());
        Assert.Equal([0, 1, 0], loaded.Labels.ToArray());
    }

    [Fact]
    public async Task A_regression_csv_without_a_header_keeps_float_targets_and_no_classes()
    {
        var created = await (await (await Contributor()).PostAsync("/api/v1/datasets/csv",
                Uploads.Csv(Unique("prices"), "0.5;1;10.5\n2;3;20\n", ("header", "false"), ("labelColumnIndex", "0"), ("delimiter", ";"), ("task", "regression"))))
            .ReadJson<DatasetView>(HttpStatusCode.Created);

        Assert.Equal((2, 0), (created.Count, created.ClassNames.Length));
        Assert.Equal([2], created.SampleShape);
        var loaded = await portal.Services.GetRequiredService<DatasetLoader>().Load(created.Id, default);
        Assert.Equal([0.5f, 2f], loaded.Targets.ToArray());
    }

    [Fact]
    public async Task An_idx_file_with_a_wrong_magic_number_is_refused_naming_it()
    {
        var (images, labels) = IdxFiles.Separable(10, 4, 2, seed: 3);
        images[3] = 0x01;

        await Refused(await Contributor(), "/api/v1/datasets/idx", Uploads.Idx(Unique("bad-magic"), images, labels), HttpStatusCode.BadRequest,
            "images' is not an IDX file of images", "magic number is 0x00000801", "expected 0x00000803");
    }

    [Fact]
    public async Task A_truncated_idx_file_is_refused_naming_the_missing_bytes()
    {
        var (images, labels) = IdxFiles.Separable(10, 4, 2, seed: 4);

        await Refused(await Contributor(), "/api/v1/datasets/idx", Uploads.Idx(Unique("short"), images[..^5], labels), HttpStatusCode.BadRequest,
            "is truncated", "176 bytes in all", "5 missing");
    }

    [Fact]
    public async Task Images_and_labels_that_do_not_match_in_count_are_refused()
    {
        var (images, _) = IdxFiles.Separable(10, 4, 2, seed: 5);
        var (_, labels) = IdxFiles.Separable(9, 4, 2, seed: 5);

        await Refused(await Contributor(), "/api/v1/datasets/idx", Uploads.Idx(Unique("mismatch"), images, labels), HttpStatusCode.BadRequest,
            "holds 10 images but", "holds 9 labels");
    }

    [Fact]
    public async Task A_label_outside_the_given_class_names_is_refused()
    {
        var (images, labels) = IdxFiles.Separable(10, 4, 3, seed: 6);

        await Refused(await Contributor(), "/api/v1/datasets/idx", Uploads.Idx(Unique("few-names"), images, labels, "a,b"), HttpStatusCode.BadRequest,
            "is outside the 2 class names");
    }

    [Fact]
    public async Task A_csv_with_a_value_that_is_not_a_number_is_refused_naming_line_and_column()
    {
        await Refused(await Contributor(), "/api/v1/datasets/csv", Uploads.Csv(Unique("typo"), "a,b,label\n1,2,x\n3,abc,y\n"), HttpStatusCode.BadRequest,
            "line 3", "column 'b' (2)", "'abc' is not a number");
    }

    [Fact]
    public async Task Missing_parts_and_malformed_fields_are_refused_by_name()
    {
        var client = await Contributor();
        var (images, labels) = IdxFiles.Separable(10, 4, 2, seed: 7);

        await Refused(client, "/api/v1/datasets/idx", Uploads.Idx(Unique("no-labels"), images, null), HttpStatusCode.BadRequest, "no 'labels' file part");
        await Refused(client, "/api/v1/datasets/idx", Uploads.Idx(null, images, labels), HttpStatusCode.BadRequest, "no 'name' field");
        await Refused(client, "/api/v1/datasets/csv", Uploads.Csv(Unique("opts"), "a,b\n1,x\n", ("skipLines", "two")), HttpStatusCode.BadRequest,
            "'skipLines' must be a whole number, not 'two'");
        await Refused(client, "/api/v1/datasets/csv", Uploads.Csv(Unique("task"), "a,b\n1,x\n", ("task", "clustering")), HttpStatusCode.BadRequest,
            "'task' must be classification or regression");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType,
            (await client.PostAsync("/api/v1/datasets/idx", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
    }

    [Fact]
    public async Task A_taken_name_is_a_conflict_and_only_the_first_uploads_files_stay()
    {
        var client = await Contributor();
        var name = Unique("twice");
        var (images, labels) = IdxFiles.Separable(10, 4, 2, seed: 8);
        var (otherImages, otherLabels) = IdxFiles.Separable(10, 4, 2, seed: 9);
        await (await client.PostAsync("/api/v1/datasets/idx", Uploads.Idx(name, images, labels))).AssertStatus(HttpStatusCode.Created);

        await Refused(client, "/api/v1/datasets/idx", Uploads.Idx(name, otherImages, otherLabels), HttpStatusCode.Conflict, $"named '{name}' exists");

        Assert.True(File.Exists(Path.Combine(portal.ArtifactsDirectory, Sha(images)[..2], Sha(images))));
        Assert.False(File.Exists(Path.Combine(portal.ArtifactsDirectory, Sha(otherImages)[..2], Sha(otherImages))));
    }

    [Fact]
    public async Task A_refused_upload_keeps_a_file_that_another_dataset_shares()
    {
        var client = await Contributor();
        var (images, labels) = IdxFiles.Separable(10, 4, 2, seed: 10);
        await (await client.PostAsync("/api/v1/datasets/idx", Uploads.Idx(Unique("first"), images, labels))).AssertStatus(HttpStatusCode.Created);

        await Refused(client, "/api/v1/datasets/idx", Uploads.Idx(Unique("second"), images, labels[..^1]), HttpStatusCode.BadRequest, "is truncated");

        Assert.True(File.Exists(Path.Combine(portal.ArtifactsDirectory, Sha(images)[..2], Sha(images))));
        Assert.False(File.Exists(Path.Combine(portal.ArtifactsDirectory, Sha(labels[..^1])[..2], Sha(labels[..^1]))));
    }

    [Fact]
    public async Task The_same_files_under_two_names_are_stored_once()
    {
        var client = await Contributor();
        var (images, labels) = IdxFiles.Separable(10, 4, 2, seed: 11);

        var a = await (await client.PostAsync("/api/v1/datasets/idx", Uploads.Idx(Unique("a"), images, labels))).ReadJson<DatasetView>(HttpStatusCode.Created);
        var b = await (await client.PostAsync("/api/v1/datasets/idx", Uploads.Idx(Unique("b"), images, labels))).ReadJson<DatasetView>(HttpStatusCode.Created);

        Assert.Equal(a.PrimaryArtifact, b.PrimaryArtifact);
        Assert.Equal(1, await portal.InDatabase(db => db.Artifacts.CountAsync(r => r.Sha256 == a.PrimaryArtifact)));
    }

    [Fact]
    public async Task A_viewer_reads_the_list_page_by_page_but_cannot_upload()
    {
        var contributor = await Contributor();
        var viewer = await portal.CreateClientAs(PortalRoles.Viewer);
        foreach (var seed in new[] { 12, 13, 14 })
        {
            var (images, labels) = IdxFiles.Separable(10, 4, 2, seed);
            await (await contributor.PostAsync("/api/v1/datasets/idx", Uploads.Idx(Unique($"page{seed}"), images, labels))).AssertStatus(HttpStatusCode.Created);
        }

        var all = await viewer.GetJson<Page<DatasetView>>("/api/v1/datasets?limit=500");
        var second = await viewer.GetJson<Page<DatasetView>>("/api/v1/datasets?offset=1&limit=2");

        Assert.Equal(all.Items.Select(d => d.Name).Order(StringComparer.Ordinal), all.Items.Select(d => d.Name));
        Assert.Equal(all.Items.Skip(1).Take(2).Select(d => d.Id), second.Items.Select(d => d.Id));
        Assert.Equal(all.Total, second.Total);
        var (i, l) = IdxFiles.Separable(10, 4, 2, seed: 15);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync("/api/v1/datasets/idx", Uploads.Idx(Unique("viewer"), i, l))).StatusCode);
        await (await viewer.GetAsync($"/api/v1/datasets/{Guid.NewGuid()}")).AssertProblem(HttpStatusCode.NotFound);
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest)) gzip.Write(bytes);
        return buffer.ToArray();
    }
}

public sealed class DatasetUploadLimitTests : IDisposable
{
    private readonly DatasetsPortal _portal = new();

    public DatasetUploadLimitTests() => _portal.Settings["Portal:MaxUploadBytes"] = "4096";

    public void Dispose() => _portal.Dispose();

    [Fact]
    public async Task An_upload_over_the_limit_is_413_and_leaves_nothing_behind()
    {
        var client = await _portal.CreateClientAs(PortalRoles.Contributor);
        var (images, labels) = IdxFiles.Separable(100, 8, 2, seed: 16);
        Assert.True(images.Length > 4096 && images.Length + labels.Length > 4096);
        var before = await _portal.Contents();

        await (await client.PostAsync("/api/v1/datasets/idx", Uploads.Idx("too-big", images, labels))).AssertProblem(HttpStatusCode.RequestEntityTooLarge, "4096 byte limit");

        var after = await _portal.Contents();
        Assert.True(before.Same(after), $"before: {before}\nafter: {after}");
        var (small, smallLabels) = IdxFiles.Separable(10, 4, 2, seed: 17);
        await (await client.PostAsync("/api/v1/datasets/idx", Uploads.Idx("fits", small, smallLabels))).AssertStatus(HttpStatusCode.Created);
    }

    [Fact]
    public async Task The_limit_counts_every_file_of_the_upload_together()
    {
        var client = await _portal.CreateClientAs(PortalRoles.Contributor);
        var (images, labels) = IdxFiles.Separable(63, 8, 2, seed: 18);
        Assert.True(images.Length <= 4096 && images.Length + labels.Length > 4096);

        await (await client.PostAsync("/api/v1/datasets/idx", Uploads.Idx("together-too-big", images, labels))).AssertProblem(HttpStatusCode.RequestEntityTooLarge);

        Assert.Empty((await _portal.Contents()).Files);
    }
}
