using System.Net.Http.Headers;

namespace Portal.Server.Tests.Datasets;

/// <summary>The multipart/form-data bodies the dataset upload endpoints take.</summary>
public static class Uploads
{
    public static MultipartFormDataContent Idx(string? name, byte[]? images, byte[]? labels, string? classNames = null)
    {
        var form = new MultipartFormDataContent();
        if (name is not null) form.Add(new StringContent(name), "name");
        if (images is not null) form.Add(File(images), "images", "images.idx");
        if (labels is not null) form.Add(File(labels), "labels", "labels.idx");
        if (classNames is not null) form.Add(new StringContent(classNames), "classNames");
        return form;
    }

    public static MultipartFormDataContent Csv(string name, string text, params (string Field, string Value)[] fields)
    {
        var form = new MultipartFormDataContent { { new StringContent(name), "name" }, { File(System.Text.Encoding.UTF8.GetBytes(text)), "file", "data.csv" } };
        foreach (var (field, value) in fields) form.Add(new StringContent(value), field);
        return form;
    }

    public static MultipartFormDataContent Text(string name, byte[] content, params (string Field, string Value)[] fields)
    {
        var form = new MultipartFormDataContent { { new StringContent(name), "name" }, { File(content), "file", "texts" } };
        foreach (var (field, value) in fields) form.Add(new StringContent(value), field);
        return form;
    }

    private static ByteArrayContent File(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }
}
