namespace Portal.Engine.Tests;

internal sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>, IEqualityComparer<double>
{
    public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

    public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

    public int GetHashCode(float obj) => 0;

    public int GetHashCode(double obj) => 0;
}
