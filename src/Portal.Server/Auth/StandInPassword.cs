using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;

namespace Portal.Server.Auth;

/// <summary>
/// The hash a password is verified against when the user name is unknown, so that such a name costs the same
/// password-hash work as a known one. No password matches it: its user does not exist. Made once per process (a
/// singleton), with the portal's own hasher, so later attempts pay only the verification a known name pays.
/// </summary>
public sealed class StandInPassword
{
    private readonly PortalUser _nobody = new() { UserName = "" };
    private string? _hash;

    public void Verify(IPasswordHasher<PortalUser> hasher, string password)
    {
        var hash = _hash ??= hasher.HashPassword(_nobody, RandomNumberGenerator.GetHexString(32));
        hasher.VerifyHashedPassword(_nobody, hash, password);
    }
}
