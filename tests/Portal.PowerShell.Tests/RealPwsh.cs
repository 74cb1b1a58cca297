using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Portal.PowerShell.Tests;

/// <summary>
/// A real pwsh (PowerShell 7.6.10, the PowerShell .NET tool that scripts/setup.sh installs into .tools/pwsh, or the
/// one PORTAL_PWSH names) running a script file as a user does: <c>pwsh -NoProfile -NonInteractive -File x.ps1</c>,
/// with modules/ on its module path.
/// </summary>
public static partial class RealPwsh
{
    public static string Executable =>
        Environment.GetEnvironmentVariable("PORTAL_PWSH") is { Length: > 0 } path ? path : Path.Combine(ModulePortal.RepositoryRoot, ".tools", "pwsh", "pwsh");

    /// <summary>Runs <paramref name="script"/> from a file in a new folder (its working directory); fails the test if pwsh is missing or overruns.</summary>
    public static async Task<PwshRun> RunScript(string script, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var executable = Executable;
        Assert.True(File.Exists(executable),
            $"No pwsh at {executable}: run scripts/setup.sh, which installs PowerShell 7.6.10 (the PowerShell .NET tool) into .tools/pwsh, or set PORTAL_PWSH to a pwsh 7.6.");
        var folder = Directory.CreateTempSubdirectory("portal-pwsh-").FullName;
        try
        {
            var file = Path.Combine(folder, "script.ps1");
            await File.WriteAllTextAsync(file, script);
            var start = new ProcessStartInfo(executable)
            {
                WorkingDirectory = folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
            };
            foreach (var argument in new[] { "-NoProfile", "-NonInteractive", "-File", file }) start.ArgumentList.Add(argument);
            start.Environment["PSModulePath"] = ModulePortal.ModulesFolder;
            // Tests never use the network: no telemetry, no update check.
            start.Environment["POWERSHELL_TELEMETRY_OPTOUT"] = "1";
            start.Environment["POWERSHELL_UPDATECHECK"] = "Off";
            // The tool is framework-dependent: it runs on the .NET that runs these tests, wherever that is installed.
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_ROOT")))
                start.Environment["DOTNET_ROOT"] = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
            foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;

            var clock = Stopwatch.StartNew();
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            var limit = timeout ?? TimeSpan.FromMinutes(10);
            using (var overrun = new CancellationTokenSource(limit))
            {
                try
                {
                    await process.WaitForExitAsync(overrun.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                    Assert.Fail($"pwsh did not finish within {limit}.\nOutput:\n{Plain(await output)}\nErrors:\n{Plain(await errors)}");
                }
            }
            return new PwshRun(process.ExitCode, Plain(await output), Plain(await errors), clock.Elapsed);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The text without the console's colour sequences (pwsh colours table headers and errors).</summary>
    private static string Plain(string text) => ColourSequence().Replace(text, "").Replace("\r\n", "\n", StringComparison.Ordinal);

    [GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]")]
    private static partial Regex ColourSequence();
}

/// <summary>What a pwsh process gave: its exit code, what it wrote to stdout and stderr, and how long it ran.</summary>
public sealed record PwshRun(int ExitCode, string Output, string Errors, TimeSpan Elapsed)
{
    public IReadOnlyList<string> Lines => Output.Split('\n');

    public override string ToString() => $"exit code {ExitCode} after {Elapsed.TotalSeconds:0.0} s\nOutput:\n{Output}\nErrors:\n{Errors}";
}
