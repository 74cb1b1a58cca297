using System.Text.RegularExpressions;

namespace Portal.PowerShell.Tests;

/// <summary>The script of the README's "From PowerShell" section, read from README.md so the test runs what users paste.</summary>
public static partial class ReadmeScript
{
    public static string FromPowerShellSection()
    {
        var readme = File.ReadAllText(Path.Combine(ModulePortal.RepositoryRoot, "README.md"));
        var section = SectionPattern().Match(readme);
        Assert.True(section.Success, "README.md has no '## From PowerShell' section");
        var block = BlockPattern().Match(section.Groups["body"].Value);
        Assert.True(block.Success, "The 'From PowerShell' section of README.md has no ```powershell block");
        return block.Groups["script"].Value;
    }

    [GeneratedRegex(@"^## From PowerShell\s*$(?<body>.*?)(?=^## |\z)", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex SectionPattern();

    [GeneratedRegex(@"```powershell\s*\n(?<script>.*?)```", RegexOptions.Singleline)]
    private static partial Regex BlockPattern();
}
