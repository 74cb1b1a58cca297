using System.Collections.ObjectModel;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Portal.PowerShell.HelpGenerator;

/// <summary>
/// Reads the cmdlets of a compiled module (their Cmdlet, Parameter, Alias, ValidateSet, SupportsWildcards and
/// OutputType attributes) without running any of its code, and joins them with their doc comments. Anything Get-Help
/// would show empty is an error: a cmdlet without a synopsis, a description or an example, a parameter without a
/// description.
/// </summary>
public sealed class CmdletReader : IDisposable
{
    private const string Automation = "System.Management.Automation.";
    private const string AllSets = "__AllParameterSets";

    private readonly MetadataLoadContext _context;
    private readonly Assembly _module;
    private readonly DocComments _docs;

    public CmdletReader(string modulePath, DocComments docs)
    {
        // The runtime's assemblies, then the module's own folder (its references, PowerShellStandard's
        // System.Management.Automation among them) for every name the runtime does not have.
        var byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
                     .Concat(Directory.GetFiles(Path.GetDirectoryName(Path.GetFullPath(modulePath))!, "*.dll")))
        {
            byName.TryAdd(Path.GetFileNameWithoutExtension(path), path);
        }
        _context = new MetadataLoadContext(new PathAssemblyResolver(byName.Values));
        _module = _context.LoadFromAssemblyPath(Path.GetFullPath(modulePath));
        _docs = docs;
    }

    /// <summary>Every cmdlet of the module, by name; the problems found, one line each.</summary>
    public (IReadOnlyList<CmdletHelp> Cmdlets, IReadOnlyList<string> Problems) Read()
    {
        var problems = new List<string>();
        var cmdlets = new List<CmdletHelp>();
        foreach (var type in _module.GetExportedTypes().Where(t => !t.IsAbstract))
        {
            if (Attribute(type, "CmdletAttribute") is { } cmdlet) cmdlets.Add(Read(type, cmdlet, problems));
        }
        return ([.. cmdlets.OrderBy(c => c.Name, StringComparer.Ordinal)], problems);
    }

    private CmdletHelp Read(Type type, CustomAttributeData cmdlet, List<string> problems)
    {
        var verb = (string)cmdlet.ConstructorArguments[0].Value!;
        var noun = (string)cmdlet.ConstructorArguments[1].Value!;
        var name = $"{verb}-{noun}";
        var typeId = $"T:{type.FullName}";
        var synopsis = string.Join(" ", _docs.Paragraphs(typeId, "summary"));
        var description = _docs.Paragraphs(typeId, "remarks");
        var examples = _docs.Examples(typeId);
        if (synopsis.Length == 0) problems.Add($"{name} ({type.FullName}): no <summary> (the synopsis)");
        if (description.Count == 0) problems.Add($"{name} ({type.FullName}): no <remarks> (the description)");
        if (examples.Count == 0) problems.Add($"{name} ({type.FullName}): no <example>");
        foreach (var example in examples.Where(e => e.Code.Length == 0)) problems.Add($"{name}: an <example> without <code>");

        var declared = Properties(type)
            .Select(p => (Property: p, Uses: Uses(p)))
            .Where(p => p.Uses.Count > 0)
            .Select(p => (Help: Parameter(p.Property, p.Uses[0].Binding, name, problems), p.Uses))
            .ToList();
        var sets = declared.SelectMany(p => p.Uses.Select(u => u.Set)).Where(s => s != AllSets).Distinct().ToList();
        // The default set goes first, even when no parameter names it (Get-PortalRun's list takes none of its own).
        if (Named(cmdlet, "DefaultParameterSetName") is string defaultSet)
        {
            sets.Remove(defaultSet);
            sets.Insert(0, defaultSet);
        }
        if (sets.Count == 0) sets.Add(AllSets);
        var shouldProcess = Named(cmdlet, "SupportsShouldProcess") is true;

        var syntax = new List<SyntaxItem>();
        foreach (var set in sets)
        {
            var members = declared
                .Select((p, order) => (p.Help, Order: order, Use: p.Uses.FirstOrDefault(u => u.Set == set).Binding ?? p.Uses.FirstOrDefault(u => u.Set == AllSets).Binding))
                .Where(p => p.Use is not null)
                .OrderBy(p => p.Use!.Position ?? int.MaxValue)
                .ThenBy(p => p.Use!.Mandatory ? 0 : 1)
                .ThenBy(p => p.Order)
                .Select(p => (p.Help with { Binding = p.Use! }, p.Use!))
                .ToList();
            if (shouldProcess) members.AddRange(s_shouldProcess.Select(p => (p, p.Binding)));
            syntax.Add(new SyntaxItem(set, members));
        }
        var parameters = syntax.SelectMany(s => s.Parameters.Select(p => p.Parameter)).DistinctBy(p => p.Name).ToList();

        var inputs = syntax.SelectMany(s => s.Parameters)
            .Where(p => p.Binding.FromPipeline || p.Binding.FromPipelineByPropertyName)
            .Select(p => Input(p.Parameter, p.Binding))
            .Distinct()
            .ToList();
        var outputs = type.GetCustomAttributesData()
            .Where(a => a.AttributeType.FullName == Automation + "OutputTypeAttribute")
            .SelectMany(a => (ReadOnlyCollection<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!)
            .Select(a => a.Value is Type t ? t.FullName! : (string)a.Value!)
            .Distinct()
            .ToList();
        return new CmdletHelp(verb, noun, synopsis, description, parameters, syntax, inputs, outputs, examples);
    }

    /// <summary>The public properties of the class and its bases, base class first, each in source order.</summary>
    private static IEnumerable<PropertyInfo> Properties(Type type)
    {
        var chain = new Stack<Type>();
        for (var t = type; t is not null; t = t.BaseType) chain.Push(t);
        return chain.SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly));
    }

    /// <summary>Each [Parameter] of the property: its parameter set and how it binds there.</summary>
    private static List<(string Set, ParameterBinding Binding)> Uses(PropertyInfo property) =>
    [
        .. property.GetCustomAttributesData()
            .Where(a => a.AttributeType.FullName == Automation + "ParameterAttribute")
            .Select(a => (
                Named(a, "ParameterSetName") as string ?? AllSets,
                new ParameterBinding(
                    Named(a, "Mandatory") is true,
                    Named(a, "Position") is int position && position >= 0 ? position : null,
                    Named(a, "ValueFromPipeline") is true,
                    Named(a, "ValueFromPipelineByPropertyName") is true))),
    ];

    private ParameterHelp Parameter(PropertyInfo property, ParameterBinding binding, string cmdlet, List<string> problems)
    {
        var type = property.PropertyType;
        if (type.IsGenericType && type.GetGenericTypeDefinition().FullName == "System.Nullable`1") type = type.GetGenericArguments()[0];
        var description = string.Join(" ", _docs.Paragraphs($"P:{property.DeclaringType!.FullName}.{property.Name}", "summary"));
        if (description.Length == 0) problems.Add($"{cmdlet}: parameter -{property.Name} ({property.DeclaringType.FullName}.{property.Name}) has no <summary>");
        return new ParameterHelp(
            property.Name,
            type.Name,
            type.FullName!,
            type.FullName == Automation + "SwitchParameter",
            description,
            Strings(property, "AliasAttribute"),
            Strings(property, "ValidateSetAttribute"),
            Attribute(property, "SupportsWildcardsAttribute") is not null,
            binding);
    }

    private static PipelineInput Input(ParameterHelp parameter, ParameterBinding binding)
    {
        var byProperty = string.Join(" or ", new[] { parameter.Name }.Concat(parameter.Aliases));
        var how = (binding.FromPipeline, binding.FromPipelineByPropertyName) switch
        {
            (true, true) => $"Each {parameter.TypeName} piped in, or the {byProperty} property of an object piped in, binds -{parameter.Name}.",
            (true, false) => $"Each {parameter.TypeName} piped in binds -{parameter.Name}.",
            _ => $"The {byProperty} property of an object piped in binds -{parameter.Name}.",
        };
        return new PipelineInput(parameter.TypeFullName, how);
    }

    private static readonly ParameterHelp[] s_shouldProcess =
    [
        new("WhatIf", "SwitchParameter", Automation + "SwitchParameter", true, "Shows what would happen if the cmdlet runs. The cmdlet is not run.",
            ["wi"], [], false, new ParameterBinding(false, null, false, false)),
        new("Confirm", "SwitchParameter", Automation + "SwitchParameter", true, "Prompts you for confirmation before running the cmdlet.",
            ["cf"], [], false, new ParameterBinding(false, null, false, false)),
    ];

    private static CustomAttributeData? Attribute(MemberInfo member, string name) =>
        member.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == Automation + name);

    private static object? Named(CustomAttributeData attribute, string name) =>
        attribute.NamedArguments.FirstOrDefault(a => a.MemberName == name) is { MemberInfo: not null } argument ? argument.TypedValue.Value : null;

    /// <summary>The strings of an attribute that takes <c>params string[]</c> (Alias, ValidateSet).</summary>
    private static IReadOnlyList<string> Strings(MemberInfo member, string attribute) =>
        Attribute(member, attribute) is { } data
            ? [.. data.ConstructorArguments.SelectMany(a => a.Value is ReadOnlyCollection<CustomAttributeTypedArgument> items ? items.Select(i => (string)i.Value!) : [(string)a.Value!])]
            : [];

    public void Dispose() => _context.Dispose();
}
