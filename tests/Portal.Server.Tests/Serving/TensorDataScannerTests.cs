using System.Globalization;
using System.Net;
using System.Text;
using Portal.Engine.Onnx;
using Portal.Server.Serving;

namespace Portal.Server.Tests.Serving;

public sealed class TensorDataScannerTests
{
    private static float Parse(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text + ",");
        Assert.Equal(text.Length, TensorDataScanner.Number(bytes, 0, out float value));
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
        var end = TensorDataScanner.Number(bytes, 0, out float _);

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

    [Fact]
    public void Random_decimals_read_as_the_same_double_as_the_full_parser_bit_for_bit()
    {
        var random = new Random(7);
        for (var n = 0; n < 200_000; n++)
        {
            var digits = random.Next(1, 18);
            var mantissa = random.NextInt64(0, (long)Math.Pow(10, digits));
            var scale = random.Next(0, digits + 6);
            var text = mantissa.ToString(CultureInfo.InvariantCulture).PadLeft(scale + 1, '0');
            if (scale > 0) text = text[..^scale] + "." + text[^scale..];
            if (random.Next(3) == 0) text += "e" + random.Next(-30, 30);
            if (random.Next(2) == 0) text = "-" + text;
            var bytes = Encoding.UTF8.GetBytes(text + "]");

            Assert.Equal(text.Length, TensorDataScanner.Number(bytes, 0, out double value));
            Assert.Equal(BitConverter.DoubleToInt64Bits(double.Parse(text, CultureInfo.InvariantCulture)), BitConverter.DoubleToInt64Bits(value));
        }
    }

    [Fact]
    public void A_typed_data_array_is_read_into_its_element_type()
    {
        Assert.True(TensorDataScanner.TryRead("[[1.5, -2.25], [1e300, 0.1]]"u8, OnnxElementType.Float64, new double[4]));
        var doubles = new double[4];
        TensorDataScanner.TryRead("[[1.5, -2.25], [1e300, 0.1]]"u8, OnnxElementType.Float64, doubles);
        Assert.Equal([1.5, -2.25, 1e300, 0.1], doubles);

        var bytes = new byte[3];
        Assert.True(TensorDataScanner.TryRead("[0, 17, 255]"u8, OnnxElementType.UInt8, bytes));
        Assert.Equal([0, 17, 255], bytes);
        var longs = new long[2];
        Assert.True(TensorDataScanner.TryRead("[-123456789012345678, 5]"u8, OnnxElementType.Int64, longs));
        Assert.Equal([-123456789012345678L, 5L], longs);
        var shorts = new short[2];
        Assert.True(TensorDataScanner.TryRead("[-32768, 32767]"u8, OnnxElementType.Int16, shorts));
        Assert.Equal([short.MinValue, short.MaxValue], shorts);
    }

    [Theory]
    [InlineData("[256, 1]", "UINT8 above its range")]
    [InlineData("[-1, 1]", "UINT8 below its range")]
    [InlineData("[2.0, 1]", "a whole number written with a fraction")]
    [InlineData("[2e1, 1]", "a whole number written with an exponent")]
    [InlineData("[1]", "fewer values than the tensor holds")]
    [InlineData("[1, 2, 3]", "more values than the tensor holds")]
    [InlineData("[1,,2]", "broken JSON")]
    [InlineData("[1, true]", "a boolean")]
    [InlineData("[1, \"2\"]", "a string")]
    public void A_typed_data_array_the_scanner_cannot_read_exactly_is_left_to_the_full_reader(string data, string why)
    {
        Assert.False(TensorDataScanner.TryRead(Encoding.UTF8.GetBytes(data), OnnxElementType.UInt8, new byte[2]), why);
    }

    [Theory]
    [InlineData("[1e309]")]
    [InlineData("[-1e400]")]
    public void A_double_out_of_range_is_left_to_the_full_reader(string data)
    {
        Assert.False(TensorDataScanner.TryRead(Encoding.UTF8.GetBytes(data), OnnxElementType.Float64, new double[1]));
    }
}
