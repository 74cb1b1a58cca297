using Portal.Server.Registry;

namespace Portal.Server.Tests.Registry;

public sealed class RegistryNamesTests
{
    [Theory]
    [InlineData("production")]
    [InlineData("staging")]
    [InlineData("canary-eu-2")]
    [InlineData("a")]
    public void Lowercase_letters_digits_and_dashes_make_an_alias(string alias) => RegistryNames.CheckAlias(alias);

    [Theory]
    [InlineData("")]
    [InlineData("Production")]
    [InlineData("canary_eu")]
    [InlineData("canary eu")]
    [InlineData("ünicode")]
    public void Anything_else_is_not_an_alias(string alias)
    {
        var error = Assert.Throws<Refusal>(() => RegistryNames.CheckAlias(alias));

        Assert.Equal(RefusalKind.Invalid, error.Kind);
        Assert.Contains($"'{alias}'", error.Message);
    }

    [Fact]
    public void An_alias_is_at_most_64_characters()
    {
        RegistryNames.CheckAlias(new string('a', 64));

        Assert.Throws<Refusal>(() => RegistryNames.CheckAlias(new string('a', 65)));
    }

    [Fact]
    public void A_tag_value_longer_than_the_database_keeps_is_refused_with_its_length()
    {
        var error = Assert.Throws<Refusal>(() => RegistryNames.CheckTag("note", new string('x', 501)));

        Assert.Contains("501 characters", error.Message);
    }
}
