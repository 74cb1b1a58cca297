using System.Globalization;
using System.Net;
using System.Text;
using Portal.Server.Serving;

namespace Portal.Server.Tests.Serving;

public sealed class TensorDataScannerTests
{
    private static float Parse(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text + ",");
        Assert.Equal(text.Length, TensorDataScanner.Number(bytes, 0, out var value));
        return value;
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0.0")]
    [InlineData("13.0")]
    [InlineData("255.0")]
    [InlineData("-0.25")]
    [InlineData("-0.0")]
    [InlineData("0.1")]
    [InlineData("0.3333333")]
    [InlineData("1234567")]
    [InlineData("9999999")]
    [InlineData("0.0000001")]
    [InlineData("0.00000001")]
    [InlineData("12345678")]
    [InlineData("0.12345678901")]
    [InlineData("1e3")]
    [InlineData("-2.5E-3")]
    [InlineData("3.4028235e38")]
    public void Every_number_reads_as_the_same_float_as_the_full_parser(string text)
    {
        var expected = float.Parse(text, CultureInfo.InvariantCulture);

        Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(Parse(text)));
    }

    [Theory]
    [InlineData("01")]
    [InlineData("-")]
    [InlineData("1.")]
    [InlineData(".5")]
    [InlineData("+1")]
    [InlineData("1e")]
    [InlineData("1e+")]
    public void Text_outside_the_json_number_grammar_is_refused(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text + ",");
        var end = TensorDataScanner.Number(bytes, 0, out _);

        Assert.True(end < 0 || end < text.Length, $"'{text}' read as a whole number ending at {end}");
    }

    [Fact]
    public void Random_short_decimals_match_the_full_parser_bit_for_bit()
    {
        var random = new Random(5);
        for (var n = 0; n < 200_000; n++)
        {
            var digits = random.Next(1, 9);
            var mantissa = random.Next(0, (int)Math.Pow(10, digits));
            var scale = random.Next(0, digits + 1);
            var text = (mantissa / Math.Pow(10, scale)).ToString("F" + scale, CultureInfo.InvariantCulture);
            if (random.Next(2) == 0) text = "-" + text;
            Assert.Equal(BitConverter.SingleToInt32Bits(float.Parse(text, CultureInfo.InvariantCulture)), BitConverter.SingleToInt32Bits(Parse(text)));
        }
    }

    [Theory]
    [InlineData("[1,2,3,4]", 4)]
    [InlineData("[ [ [1 , 2] , [3,4] ] ]", 4)]
    [InlineData("[]", 0)]
    [InlineData("[[],[]]", 0)]
    public void A_data_array_is_read_and_the_rest_of_the_body_still_parses(string data, int count)
    {
        var body = Encoding.UTF8.GetBytes($$"""{"inputs":[{"name":"a","data": {{data}} ,"shape":[{{count}}],"datatype":"FP32"},{"name":"b","data":[5],"shape":[1]}],"id":"x"}""");

        using var request = InferRequest.Parse(body);

        Assert.Equal("x", request.Id);
        Assert.Equal(2, request.Inputs.Count);
        Assert.Equal(count, request.Inputs[0].Count);
        Assert.Equal(Enumerable.Range(1, count).Select(v => (float)v), request.Inputs[0].Data.Take(count));
        Assert.Equal([count], request.Inputs[0].Shape!);
        Assert.Equal(5f, request.Inputs[1].Data[0]);
    }

    [Theory]
    [InlineData("[1,2,]", "Value 2")]
    [InlineData("[1 2]", "expected ',' or ']'")]
    [InlineData("[1,,2]", "Value 1")]
    [InlineData("[1,2]]", "JSON")]
    [InlineData("[[1,2]", "JSON")]
    [InlineData("[1,true]", "a boolean")]
    [InlineData("[1,null]", "null")]
    [InlineData("[1,{}]", "an object")]
    [InlineData("[01]", "expected ',' or ']'")]
    [InlineData("[-x]", "not a valid JSON number")]
    [InlineData("[1e39]", "not a finite FP32 number")]
    [InlineData("7", "must be an array")]
    public void Malformed_data_is_refused_naming_the_problem(string data, string expected)
    {
        var body = Encoding.UTF8.GetBytes($$"""{"inputs":[{"name":"a","shape":[2],"datatype":"FP32","data":{{data}}}]}""");

        var error = Assert.Throws<ServingException>(() => InferRequest.Parse(body).Dispose());

        Assert.Equal((int)HttpStatusCode.BadRequest, error.Status);
        Assert.Contains(expected, error.Message);
    }
}
