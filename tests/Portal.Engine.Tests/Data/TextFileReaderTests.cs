using System.Text;
using Portal.Engine.Data;

namespace Portal.Engine.Tests.Data;

public sealed class TextFileReaderTests
{
    private static TextDataset Read(string text, TextImportOptions? options = null) =>
        TextFileReader.Read(Encoding.UTF8.GetBytes(text), "t", options, "t.txt");

    private static string Fails(byte[] content, TextImportOptions? options = null) =>
        Assert.Throws<DatasetFormatException>(() => TextFileReader.Read(content, "t", options, "t.txt")).Message;

    private static string Fails(string text, TextImportOptions? options = null) => Fails(Encoding.UTF8.GetBytes(text), options);

    private static readonly TextImportOptions s_jsonLines = new() { Format = TextFileFormat.JsonLines };

    [Fact]
    public void Csv_texts_with_quoted_commas_and_line_breaks_are_read_with_sorted_classes()
    {
        var data = Read("label,text\nspam,\"Win, now\"\nham,\"see you\nat noon\"\nspam,cheap pills\n");

        Assert.Equal(["ham", "spam"], data.ClassNames);
        Assert.Equal([1, 0, 1], data.Labels.ToArray());
        Assert.Equal(["Win, now", "see you\nat noon", "cheap pills"], data.Texts);
    }

    [Fact]
    public void Json_lines_take_string_or_integer_labels_and_skip_blank_lines()
    {
        var data = Read("{\"text\":\"a b\",\"label\":2}\n\n{\"label\":10,\"text\":\"c\"}\r\n", s_jsonLines);

        Assert.Equal(["2", "10"], data.ClassNames);
        Assert.Equal([0, 1], data.Labels.ToArray());
    }

    [Fact]
    public void Named_columns_are_used_whatever_their_place()
    {
        var data = Read("id,body,topic\n1,hello,greeting\n", new TextImportOptions { TextColumn = "body", LabelColumn = "topic" });

        Assert.Equal(["hello"], data.Texts);
        Assert.Equal(["greeting"], data.ClassNames);
    }

    [Fact]
    public void A_missing_text_names_the_line_and_column()
    {
        var message = Fails("text,label\nfine,a\n\"\",b\n");

        Assert.Contains("line 3", message);
        Assert.Contains("column 'text'", message);
        Assert.Contains("text is missing", message);
    }

    [Fact]
    public void A_row_with_too_few_fields_names_its_line()
    {
        Assert.Contains("line 4 has 1 field", Fails("text,label\na,x\nb,y\nlonely\n"));
    }

    [Fact]
    public void An_unknown_column_lists_the_columns()
    {
        var message = Fails("body,label\na,x\n");

        Assert.Contains("no column named 'text'", message);
        Assert.Contains("'body', 'label'", message);
    }

    [Fact]
    public void Json_lines_errors_name_the_line_and_field()
    {
        Assert.Contains("line 2 is not a JSON object", Fails("{\"text\":\"a\",\"label\":\"x\"}\n{oops\n", s_jsonLines));
        Assert.Contains("line 2 has no field 'label'", Fails("{\"text\":\"a\",\"label\":\"x\"}\n{\"text\":\"b\"}\n", s_jsonLines));
        Assert.Contains("line 1, field 'text': the text must be a string", Fails("{\"text\":3,\"label\":\"x\"}\n", s_jsonLines));
        Assert.Contains("line 1, field 'label': the label must be a string or an integer", Fails("{\"text\":\"a\",\"label\":1.5}\n", s_jsonLines));
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_refused_with_their_line()
    {
        var content = Encoding.UTF8.GetBytes("text,label\ncafé,a\ncaf").Concat(new byte[] { 0xE9 }).Concat(Encoding.UTF8.GetBytes(",b\n")).ToArray();

        var message = Fails(content);

        Assert.Contains("line 3 is not UTF-8", message);
        Assert.Contains("0xE9", message);
    }

    [Fact]
    public void A_byte_order_mark_is_not_part_of_the_header()
    {
        var data = TextFileReader.Read([.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes("text,label\na,x\n")], "t");

        Assert.Equal(["a"], data.Texts);
    }
}
