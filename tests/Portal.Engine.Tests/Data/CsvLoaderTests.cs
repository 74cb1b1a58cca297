using Portal.Engine.Data;

namespace Portal.Engine.Tests.Data;

public sealed class CsvLoaderTests
{
    private static Dataset Load(string text, CsvOptions? options = null) =>
        CsvLoader.Load(new StringReader(text), "t", options, "t.csv");

    private static DatasetFormatException Fails(string text, CsvOptions? options = null) =>
        Assert.Throws<DatasetFormatException>(() => Load(text, options));

    [Fact]
    public void String_labels_become_classes_in_sorted_order()
    {
        var data = Load("""
            sepal,petal,species
            5.1,1.4,setosa
            7.0,4.7,versicolor
            6.3,6.0,virginica
            4.9,1.5,setosa
            """, new CsvOptions { LabelColumn = "species" });

        Assert.Equal(4, data.Count);
        Assert.Equal([2], data.SampleShape);
        Assert.Equal(["setosa", "versicolor", "virginica"], data.ClassNames);
        Assert.Equal([0, 1, 2, 0], data.Labels.ToArray());
        Assert.Equal([5.1f, 1.4f, 7.0f, 4.7f, 6.3f, 6.0f, 4.9f, 1.5f], data.Features.ToArray());
    }

    [Fact]
    public void Class_order_does_not_depend_on_row_order()
    {
        var a = Load("x,y\n1,b\n2,a\n3,c\n");
        var b = Load("x,y\n3,c\n1,b\n2,a\n");
        Assert.Equal(a.ClassNames, b.ClassNames);
        Assert.Equal(["a", "b", "c"], a.ClassNames);
    }

    [Fact]
    public void Integer_labels_sort_by_value_not_by_text()
    {
        var data = Load("x,y\n1,10\n2,2\n3,-1\n4,2\n");
        Assert.Equal(["-1", "2", "10"], data.ClassNames);
        Assert.Equal([2, 1, 0, 1], data.Labels.ToArray());
    }

    [Fact]
    public void The_label_column_may_sit_anywhere()
    {
        var data = Load("label,a,b\ncat,1,2\ndog,3,4\n", new CsvOptions { LabelColumn = "label" });
        Assert.Equal([1f, 2f, 3f, 4f], data.Features.ToArray());
        Assert.Equal([0, 1], data.Labels.ToArray());

        var byIndex = Load("cat,1,2\ndog,3,4\n", new CsvOptions { HasHeader = false, LabelColumnIndex = 0 });
        Assert.Equal(data.Features.ToArray(), byIndex.Features.ToArray());
        Assert.Equal(data.Labels.ToArray(), byIndex.Labels.ToArray());
    }

    [Fact]
    public void Without_a_choice_the_last_column_is_the_label()
    {
        var data = Load("1,2,yes\n3,4,no\n", new CsvOptions { HasHeader = false });
        Assert.Equal(["no", "yes"], data.ClassNames);
        Assert.Equal([1, 0], data.Labels.ToArray());
    }

    [Fact]
    public void Quoted_fields_hold_delimiters_doubled_quotes_and_line_breaks()
    {
        var data = Load("\"a,1\",\"say \"\"hi\"\"\",label\n\"1.5\",2,\"multi\nline, with comma\"\n3,\"4\",\"plain\"\n");
        Assert.Equal(2, data.Count);
        Assert.Equal(["multi\nline, with comma", "plain"], data.ClassNames);
        Assert.Equal([1.5f, 2f, 3f, 4f], data.Features.ToArray());

        var e = Fails("a,b,label\n1,2,\"x\ny\"\n3,oops,z\n");
        Assert.Contains("line 4", e.Message);
    }

    [Fact]
    public void Crlf_and_blank_lines_are_accepted_and_lines_still_counted()
    {
        var data = Load("a,label\r\n1,x\r\n\r\n2,y\r\n   \r\n");
        Assert.Equal(2, data.Count);
        var e = Fails("a,label\r\n1,x\r\n\r\n2,y\r\nzz,w\r\n");
        Assert.Contains("line 5, column 'a' (1): 'zz' is not a number", e.Message);
    }

    [Fact]
    public void Leading_lines_can_be_skipped_and_still_count_in_messages()
    {
        const string text = "# exported 2024-01-01\n# by a tool, with \"quotes\n a,label\n1,x\n,y\n";
        var data = Load(text[..^3], new CsvOptions { SkipLines = 2 });
        Assert.Equal(1, data.Count);
        var e = Fails(text, new CsvOptions { SkipLines = 2 });
        Assert.Contains("'t.csv' line 5, column 'a' (1): the value is missing", e.Message);
    }

    [Fact]
    public void Regression_keeps_numeric_targets()
    {
        var data = Load("x1,x2,price\n1,2,10.5\n3,4,-2e3\n", new CsvOptions { Task = CsvTask.Regression });
        Assert.False(data.IsClassification);
        Assert.Equal(1, data.TargetWidth);
        Assert.Equal([10.5f, -2000f], data.Targets.ToArray());
        Assert.Equal([1f, 2f, 3f, 4f], data.Features.ToArray());

        var e = Fails("x,price\n1,cheap\n", new CsvOptions { Task = CsvTask.Regression });
        Assert.Contains("line 2, column 'price' (2): 'cheap' is not a number", e.Message);
    }

    [Fact]
    public void Missing_value_names_line_and_column()
    {
        var e = Fails("a,b,label\n1,2,x\n3,,y\n");
        Assert.Equal("'t.csv' line 3, column 'b' (2): the value is missing.", e.Message);
    }

    [Fact]
    public void Missing_label_names_line_and_column()
    {
        var e = Fails("a,label\n1,x\n2, \n");
        Assert.Contains("line 3, column 'label' (2): the label is missing", e.Message);
    }

    [Fact]
    public void Non_numeric_value_names_line_and_column()
    {
        var e = Fails("1,2,x\n3,4,y\n5,six,z\n", new CsvOptions { HasHeader = false });
        Assert.Equal("'t.csv' line 3, column 2: 'six' is not a number.", e.Message);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e40")]
    public void Values_that_are_not_finite_floats_are_refused(string value)
    {
        var e = Fails($"a,label\n{value},x\n");
        Assert.Contains($"line 2, column 'a' (1): '{value}' is not a finite", e.Message);
    }

    [Fact]
    public void Numbers_use_the_invariant_culture()
    {
        var e = Fails("a,label\n\"1,5\",x\n");
        Assert.Contains("'1,5' is not a number", e.Message);
        Assert.Equal([1.5f], Load("a,label\n1.5,x\n").Features.ToArray());
    }

    [Fact]
    public void Wrong_number_of_fields_names_the_line_and_both_counts()
    {
        var e = Fails("a,b,label\n1,2,x\n3,4\n");
        Assert.Equal("'t.csv' line 3 has 2 fields; the header (line 1) has 3.", e.Message);

        e = Fails("1,2,x\n3,4,5,y\n", new CsvOptions { HasHeader = false });
        Assert.Equal("'t.csv' line 2 has 4 fields; the first row (line 1) has 3.", e.Message);
    }

    [Fact]
    public void Unknown_label_column_lists_the_columns()
    {
        var e = Fails("a,b,target\n1,2,x\n", new CsvOptions { LabelColumn = "label" });
        Assert.Equal("'t.csv' has no column named 'label' (header on line 1); its columns are 'a', 'b', 'target'.", e.Message);

        e = Fails("1,2,x\n", new CsvOptions { HasHeader = false, LabelColumnIndex = 3 });
        Assert.Contains("Label column index 3 is outside the 3 columns", e.Message);
    }

    [Fact]
    public void Duplicate_label_column_name_is_ambiguous()
    {
        var e = Fails("y,a,y\n1,2,3\n", new CsvOptions { LabelColumn = "y" });
        Assert.Contains("names 2 columns 'y'", e.Message);
    }

    [Fact]
    public void Empty_file_and_header_without_rows_are_reported()
    {
        Assert.Equal("'t.csv' is empty.", Fails("").Message);
        Assert.Equal("'t.csv' is empty.", Fails("\n  \n").Message);
        Assert.Contains("nothing follows the 2 skipped lines", Fails("# a\n# b\n", new CsvOptions { SkipLines = 2 }).Message);
        Assert.Equal("'t.csv' has a header (line 1) but no data rows.", Fails("a,label\n").Message);
    }

    [Fact]
    public void A_single_column_has_no_features()
    {
        var e = Fails("label\nx\n");
        Assert.Contains("at least one feature column", e.Message);
    }

    [Fact]
    public void Unclosed_quote_names_the_line_where_it_opened()
    {
        var e = Fails("a,label\n1,x\n2,\"open\n3,y\n");
        Assert.Equal("'t.csv' line 3: the quoted field 2 is not closed before the end of the file.", e.Message);
    }

    [Fact]
    public void Text_after_a_closing_quote_is_refused()
    {
        var e = Fails("a,label\n\"1\"2,x\n");
        Assert.Contains("line 2: field 1 has '2' after its closing quote", e.Message);
    }

    [Fact]
    public void Other_delimiters_work()
    {
        var data = Load("a;b;label\n1.5;2;x\n\"3\";4;\"y;z\"\n", new CsvOptions { Delimiter = ';' });
        Assert.Equal(["x", "y;z"], data.ClassNames);
        Assert.Equal([1.5f, 2f], data.Features[..2].ToArray());
        Assert.Contains("'3;' is not a number", Fails("a;label\n\"3;\";y\n", new CsvOptions { Delimiter = ';' }).Message);
        var e = Fails("a;b;label\n1,5;2;x\n", new CsvOptions { Delimiter = ';' });
        Assert.Contains("'1,5' is not a number", e.Message);
    }

    [Fact]
    public void Conflicting_options_are_refused_before_reading()
    {
        Assert.Throws<ArgumentException>(() => Load("a,b\n1,x\n", new CsvOptions { LabelColumn = "b", LabelColumnIndex = 1 }));
        Assert.Throws<ArgumentException>(() => Load("1,x\n", new CsvOptions { LabelColumn = "b", HasHeader = false }));
        Assert.Throws<ArgumentException>(() => Load("1,x\n", new CsvOptions { SkipLines = -1 }));
        Assert.Throws<ArgumentException>(() => Load("1,x\n", new CsvOptions { Delimiter = '"' }));
    }

    [Fact]
    public void Files_load_with_their_name_and_a_byte_order_mark()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("iris.csv", [0xEF, 0xBB, 0xBF, .. "length,width\n1,10\n2,20\n"u8.ToArray()]);
        var data = CsvLoader.Load(path, new CsvOptions { LabelColumn = "length", Task = CsvTask.Regression });
        Assert.Equal("iris", data.Name);
        Assert.Equal([1f, 2f], data.Targets.ToArray());
        Assert.Equal([10f, 20f], data.Features.ToArray());

        var bad = dir.Write("bad.csv", [0xEF, 0xBB, 0xBF, .. "length,kind\nx,a\n"u8.ToArray()]);
        var e = Assert.Throws<DatasetFormatException>(() => CsvLoader.Load(bad));
        Assert.Contains($"'{bad}' line 2, column 'length' (1): 'x' is not a number", e.Message);
    }

    [Fact]
    public void A_first_line_of_numbers_is_refused_unless_the_header_option_is_given()
    {
        const string text = "1,2,0\n3,4,1\n5,6,0\n";

        var e = Fails(text);

        Assert.Contains("'t.csv' line 1 holds only numbers", e.Message);
        Assert.Equal(3, Load(text, new CsvOptions { HasHeader = false }).Count);
        Assert.Equal(2, Load(text, new CsvOptions { HasHeader = true }).Count);
    }

    [Fact]
    public void Class_names_given_in_order_fix_the_label_coding()
    {
        var data = Load("radius,diagnosis\n1,benign\n9,malignant\n", new CsvOptions { ClassNames = ["malignant", "benign", "unseen"] });

        Assert.Equal(["malignant", "benign", "unseen"], data.ClassNames);
        Assert.Equal([1, 0], data.Labels.ToArray());
        Assert.Contains("the label 'other', which is not among the given class names [x, y]", Fails("a,b\n1,other\n", new CsvOptions { ClassNames = ["x", "y"] }).Message);
        Assert.Throws<ArgumentException>(() => Load("a,b\n1,x\n", new CsvOptions { ClassNames = ["x", "x"] }));
        Assert.Throws<ArgumentException>(() => Load("a,b\n1,2\n", new CsvOptions { ClassNames = ["x"], Task = CsvTask.Regression }));
    }
}
