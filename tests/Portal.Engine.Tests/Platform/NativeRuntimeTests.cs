using Portal.Engine.Platform;

namespace Portal.Engine.Tests.Platform;

public class NativeRuntimeTests
{
    private static string NativeLibrary => Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");

    [Fact]
    public void Start_loads_libtorch_and_names_the_device_with_its_reason()
    {
        var info = NativeRuntime.EnsureStarted();

        Assert.Contains(info.Device, new[] { "cpu", "cuda" });
        Assert.False(string.IsNullOrWhiteSpace(info.DeviceReason));
        Assert.True(info.IntraOpThreads >= 1);
        Assert.Same(info, NativeRuntime.EnsureStarted());
    }

    [Fact]
    public void OpenMP_threads_spin_a_bounded_count_then_sleep_unless_the_environment_already_says_how()
    {
        // .NET's copy of the environment as the process started, before the runtime set anything natively.
        var givenPolicy = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        var givenSpinCount = Environment.GetEnvironmentVariable("GOMP_SPINCOUNT");
        var given = !string.IsNullOrEmpty(givenPolicy) || !string.IsNullOrEmpty(givenSpinCount);

        var info = NativeRuntime.EnsureStarted();

        if (given)
        {
            Assert.Equal(string.IsNullOrEmpty(givenPolicy) ? null : givenPolicy, OpenMpWaitPolicy.Current());
            Assert.Contains("set in the environment", info.ThreadWaiting);
        }
        else
        {
            Assert.Equal("PASSIVE", OpenMpWaitPolicy.Current());
            Assert.Equal("20000", OpenMpWaitPolicy.CurrentSpinCount());
            Assert.Contains("spin briefly", info.ThreadWaiting);
        }
    }

    [Fact]
    public void Build_output_marks_the_missing_glibcxx_requirement_weak_where_the_system_lacks_it()
    {
        var requirement = ElfVersionRequirements.Find(NativeLibrary, NativeLoadDiagnosis.RequiredGlibcxx);

        Assert.NotNull(requirement);
        Assert.Equal("libstdc++.so.6", requirement.File);
        if (!NativeLoadDiagnosis.SystemLibstdcxxDefines(NativeLoadDiagnosis.RequiredGlibcxx))
            Assert.True(requirement.IsWeak);
    }

    [Fact]
    public void Diagnosis_of_an_unpatched_library_names_the_version_and_the_fix()
    {
        if (NativeLoadDiagnosis.SystemLibstdcxxDefines(NativeLoadDiagnosis.RequiredGlibcxx)) return; // nothing to diagnose on a newer libstdc++
        var dir = Directory.CreateTempSubdirectory("portal-unpatched").FullName;
        try
        {
            var copy = Path.Combine(dir, "libLibTorchSharp.so");
            File.Copy(NativeLibrary, copy);
            var requirement = ElfVersionRequirements.Find(copy, NativeLoadDiagnosis.RequiredGlibcxx)!;
            using (var file = new FileStream(copy, FileMode.Open, FileAccess.ReadWrite))
            {
                file.Position = requirement.FlagsOffset;
                var low = file.ReadByte();
                file.Position = requirement.FlagsOffset;
                file.WriteByte((byte)(low & ~0x2));
            }
            Assert.False(ElfVersionRequirements.Find(copy, NativeLoadDiagnosis.RequiredGlibcxx)!.IsWeak);

            var message = NativeLoadDiagnosis.Explain(dir, new DllNotFoundException("load failed"));

            Assert.Contains("GLIBCXX_3.4.32", message);
            Assert.Contains("scripts/setup.sh", message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Diagnosis_of_a_missing_native_library_says_it_is_missing()
    {
        var dir = Directory.CreateTempSubdirectory("portal-empty").FullName;
        try
        {
            var message = NativeLoadDiagnosis.Explain(dir, new DllNotFoundException("load failed"));

            Assert.Contains("libLibTorchSharp.so is missing", message);
            Assert.Contains("libtorch-cpu-linux-x64", message);
        }
        finally
        {
            Directory.Delete(dir);
        }
    }

    [Fact]
    public void A_file_that_is_not_elf_is_refused_by_name()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "not a library");
            var error = Assert.Throws<InvalidDataException>(() => ElfVersionRequirements.ReadAll(path));
            Assert.Contains(path, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
