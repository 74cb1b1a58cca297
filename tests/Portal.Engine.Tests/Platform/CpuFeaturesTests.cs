using Portal.Engine.Compression;
using Portal.Engine.Platform;

namespace Portal.Engine.Tests.Platform;

public sealed class CpuFeaturesTests
{
    private const string Avx2Epyc = """
        processor	: 0
        vendor_id	: AuthenticAMD
        model name	: AMD EPYC 7B12
        flags		: fpu sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 bmi2 sha_ni
        """;

    private const string IceLake = """
        processor	: 0
        vendor_id	: GenuineIntel
        model name	: Intel(R) Xeon(R) Processor @ 2.80GHz
        flags		: sse4_2 avx fma avx2 avx512f avx512dq avx512bw avx512vl avx512_vnni
        """;

    private const string SkylakeServer = """
        vendor_id	: GenuineIntel
        model name	: Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz
        flags		: sse4_2 avx fma avx2 avx512f avx512dq avx512bw avx512vl
        """;

    private const string SapphireRapids = """
        vendor_id	: GenuineIntel
        model name	: Intel(R) Xeon(R) Platinum 8480+
        flags		: avx2 fma avx512f avx512bw avx512_vnni avx_vnni amx_tile amx_int8 amx_bf16
        """;

    [Fact]
    public void Cpuinfo_gives_the_model_the_vendor_and_the_flags_of_the_first_processor()
    {
        var cpu = CpuFeatures.Parse(Avx2Epyc + "\n\nprocessor\t: 1\nmodel name\t: other\nflags\t\t: avx512f\n", 2);

        Assert.Equal("AMD EPYC 7B12", cpu.Model);
        Assert.True(cpu.IsAmd);
        Assert.True(cpu.Has("avx2"));
        Assert.False(cpu.Has("avx512f"));
        Assert.Equal("AMD EPYC 7B12, 2 logical cores, +avx2 +fma -avx512f -avx512bw -avx512_vnni -avx_vnni -amx_int8", cpu.Describe());
        Assert.Equal("AMD_EPYC_7B12/2c/avx2+fma", cpu.Token());
    }

    [Theory]
    [InlineData(Avx2Epyc, "AVX2 without VNNI", true)]
    [InlineData(SkylakeServer, "AVX-512BW without VNNI", true)]
    [InlineData(IceLake, "AVX-512 VNNI", false)]
    [InlineData(SapphireRapids, "AMX", false)]
    [InlineData("flags\t: sse4_1 sse4_2", "SSE", false)]
    public void The_int8_kernel_path_and_whether_it_saturates_pair_sums_follow_the_cpu_flags(string cpuinfo, string path, bool saturates)
    {
        var kernel = Int8KernelPath.For(CpuFeatures.Parse(cpuinfo, 2));

        Assert.StartsWith(path, kernel.Name, StringComparison.Ordinal);
        Assert.Equal(saturates, kernel.SaturatesPairs);
    }

    [Fact]
    public void Seven_bit_weights_keep_every_pair_of_uint8_products_inside_int16_where_eight_bit_weights_do_not()
    {
        // What vpmaddubsw computes for two adjacent uint8 × int8 products, against the exact sum.
        static (int Exact, int Saturated) Pair(byte a0, sbyte w0, byte a1, sbyte w1)
        {
            var exact = a0 * w0 + a1 * w1;
            return (exact, Math.Clamp(exact, short.MinValue, short.MaxValue));
        }

        for (var w = -Int8WeightForm.Limit; w <= Int8WeightForm.Limit; w++)
        {
            var (exact, saturated) = Pair(255, (sbyte)w, 255, (sbyte)w);
            Assert.Equal(exact, saturated);
        }
        var full = Pair(255, 127, 255, 127);
        Assert.NotEqual(full.Exact, full.Saturated);
    }
}
