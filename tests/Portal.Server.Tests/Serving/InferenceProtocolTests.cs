using System.Net;
using System.Text.Json;

namespace Portal.Server.Tests.Serving;

[Collection(ServingCollection.Name)]
public sealed class InferenceProtocolTests(ServingPortal portal)
{
    [Fact]
    public async Task Health_is_answered_without_a_key()
    {
        var anonymous = portal.AnonymousClient();

        var live = await anonymous.GetAsync("/v2/health/live");
        var ready = await anonymous.GetAsync("/v2/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.True(JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement.GetProperty("ready").GetBoolean());
    }

    [Fact]
    public async Task Inference_and_metadata_need_a_key()
    {
        var model = await portal.CreateModel();
        var anonymous = portal.AnonymousClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.Infer(model, InferCalls.Row(1))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/v2/models/{model}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v2")).StatusCode);
    }

    [Fact]
    public async Task Server_metadata_names_the_server()
    {
        var root = JsonDocument.Parse(await portal.Viewer.GetStringAsync("/v2")).RootElement;

        Assert.Equal("portal", root.GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("version").GetString()));
        Assert.Equal(JsonValueKind.Array, root.GetProperty("extensions").ValueKind);
    }

    [Fact]
    public async Task Server_metadata_names_the_device_sessions_run_on_and_why()
    {
        // These tests run on ONNX Runtime's CPU package (PortalOnnxRuntimeNative=cpu), which has no CUDA provider.
        var provider = JsonDocument.Parse(await portal.Viewer.GetStringAsync("/v2")).RootElement.GetProperty("execution_provider");

        Assert.Equal("cpu", provider.GetProperty("device").GetString());
        Assert.Equal("this ONNX Runtime build has no CUDA execution provider (it has CPUExecutionProvider)", provider.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Model_metadata_gives_the_served_tensors_with_protocol_datatypes_and_dynamic_batch()
    {
        var model = await portal.CreateModel(2, ("production", 1), ("staging", 2));

        var root = JsonDocument.Parse(await portal.Viewer.GetStringAsync($"/v2/models/{model}")).RootElement;

        Assert.Equal(model, root.GetProperty("name").GetString());
        Assert.Equal("onnxruntime_onnx", root.GetProperty("platform").GetString());
        Assert.Equal("1", root.GetProperty("served_version").GetString());
        Assert.Equal(["1", "2"], root.GetProperty("versions").EnumerateArray().Select(v => v.GetString()!).Order().ToArray());
        var input = Assert.Single(root.GetProperty("inputs").EnumerateArray());
        Assert.Equal("input", input.GetProperty("name").GetString());
        Assert.Equal("FP32", input.GetProperty("datatype").GetString());
        Assert.Equal([-1L, 1, 2, 2], input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray());
        var output = Assert.Single(root.GetProperty("outputs").EnumerateArray());
        Assert.Equal("output", output.GetProperty("name").GetString());
        Assert.Equal([-1L, 3], output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray());

        var staging = JsonDocument.Parse(await portal.Viewer.GetStringAsync($"/v2/models/{model}/versions/2")).RootElement;
        Assert.Equal("2", staging.GetProperty("served_version").GetString());
        Assert.Equal(HttpStatusCode.OK, (await portal.Viewer.GetAsync($"/v2/models/{model}/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await portal.Viewer.GetAsync($"/v2/models/{model}/versions/2/ready")).StatusCode);
    }

    [Fact]
    public async Task Inference_answers_each_row_with_the_production_versions_outputs_and_echoes_the_id()
    {
        var model = await portal.CreateModel();
        float[][] rows = [InferCalls.Row(1), InferCalls.Row(2), InferCalls.Row(3)];

        var response = await portal.Viewer.Infer($"/v2/models/{model}/infer", InferCalls.Body(rows, id: "request-42"));

        var (version, outputs, root) = await response.Outputs();
        Assert.Equal(1, version);
        Assert.Equal(model, root.GetProperty("model_name").GetString());
        Assert.Equal("request-42", root.GetProperty("id").GetString());
        Assert.Equal("output", root.GetProperty("outputs")[0].GetProperty("name").GetString());
        Assert.Equal(3, outputs.Length);
        for (var r = 0; r < rows.Length; r++) InferCalls.AssertRow(ServingPortal.Expected(1, rows[r]), outputs[r]);
    }

    [Fact]
    public async Task Nested_data_arrays_and_requested_outputs_and_parameters_are_accepted()
    {
        var model = await portal.CreateModel();
        var row = InferCalls.Row(4);
        var nested = $"[[[[{row[0]},{row[1]}],[{row[2]},{row[3]}]]]]";
        var body = "{\"parameters\":{\"priority\":1},\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,2,2],\"datatype\":\"FP32\",\"parameters\":{},"
            + "\"data\":" + nested + "}],\"outputs\":[{\"name\":\"output\",\"parameters\":{}}]}";

        var (_, outputs, _) = await (await portal.Viewer.Infer($"/v2/models/{model}/infer", body)).Outputs();

        InferCalls.AssertRow(ServingPortal.Expected(1, row), outputs[0]);
    }

    [Fact]
    public async Task An_alias_in_the_query_or_a_version_in_the_path_picks_the_version()
    {
        var model = await portal.CreateModel(3, ("production", 1), ("staging", 2), ("shadow", 3));
        var row = InferCalls.Row(5);
        var body = InferCalls.Body([row]);

        var production = await (await portal.Viewer.Infer($"/v2/models/{model}/infer", body)).Outputs();
        var staging = await (await portal.Viewer.Infer($"/v2/models/{model}/infer?alias=staging", body)).Outputs();
        var custom = await (await portal.Viewer.Infer($"/v2/models/{model}/infer?alias=shadow", body)).Outputs();
        var byVersion = await (await portal.Viewer.Infer($"/v2/models/{model}/versions/2/infer", body)).Outputs();

        Assert.Equal((1, 2, 3, 2), (production.Version, staging.Version, custom.Version, byVersion.Version));
        InferCalls.AssertRow(ServingPortal.Expected(2, row), staging.Rows[0]);
        InferCalls.AssertRow(ServingPortal.Expected(3, row), custom.Rows[0]);
        InferCalls.AssertRow(ServingPortal.Expected(2, row), byVersion.Rows[0]);
    }

    [Fact]
    public async Task Unknown_models_aliases_and_versions_are_404_naming_what_is_served()
    {
        var model = await portal.CreateModel(3, ("production", 1), ("staging", 2));
        var body = InferCalls.Body([InferCalls.Row(1)]);

        var noModel = await (await portal.Viewer.Infer("/v2/models/no-such-model/infer", body)).Error(HttpStatusCode.NotFound);
        var noAlias = await (await portal.Viewer.Infer($"/v2/models/{model}/infer?alias=canary-x", body)).Error(HttpStatusCode.NotFound);
        var noVersion = await (await portal.Viewer.Infer($"/v2/models/{model}/versions/3/infer", body)).Error(HttpStatusCode.NotFound);
        var badVersion = await (await portal.Viewer.Infer($"/v2/models/{model}/versions/latest/infer", body)).Error(HttpStatusCode.BadRequest);
        var metadata = await (await portal.Viewer.GetAsync("/v2/models/no-such-model")).Error(HttpStatusCode.NotFound);

        Assert.Contains("'no-such-model'", noModel);
        Assert.Contains("no alias 'canary-x'", noAlias);
        Assert.Contains("production", noAlias);
        Assert.Contains("staging", noAlias);
        Assert.Contains("does not serve version 3", noVersion);
        Assert.Contains("1 (production)", noVersion);
        Assert.Contains("'latest'", badVersion);
        Assert.Contains("'no-such-model'", metadata);
    }
}
