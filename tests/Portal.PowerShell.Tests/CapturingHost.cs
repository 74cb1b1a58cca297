using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text;

namespace Portal.PowerShell.Tests;

/// <summary>
/// A PSHost that keeps what the engine shows a user: -WhatIf lines, warnings, verbose text, and the -Confirm prompts
/// it asked (answered with <see cref="ConfirmAnswer"/>: 0 = Yes).
/// </summary>
public sealed class CapturingHost : PSHost
{
    private readonly CapturingUserInterface _ui = new();

    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;

    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

    public override Guid InstanceId { get; } = Guid.NewGuid();

    public override string Name => "PortalTestHost";

    public override PSHostUserInterface UI => _ui;

    public override Version Version => new(1, 0);

    /// <summary>Every line written to the host, in order.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_ui.Lines) return [.. _ui.Lines];
        }
    }

    /// <summary>The captions and messages of the -Confirm prompts.</summary>
    public IReadOnlyList<string> Prompts
    {
        get
        {
            lock (_ui.Prompts) return [.. _ui.Prompts];
        }
    }

    public int ConfirmAnswer
    {
        get => _ui.Answer;
        set => _ui.Answer = value;
    }

    public void Clear()
    {
        lock (_ui.Lines) _ui.Lines.Clear();
        lock (_ui.Prompts) _ui.Prompts.Clear();
    }

    public override void EnterNestedPrompt() => throw new NotSupportedException();

    public override void ExitNestedPrompt() => throw new NotSupportedException();

    public override void NotifyBeginApplication()
    {
    }

    public override void NotifyEndApplication()
    {
    }

    public override void SetShouldExit(int exitCode)
    {
    }

    private sealed class CapturingUserInterface : PSHostUserInterface
    {
        private readonly StringBuilder _partial = new();

        public List<string> Lines { get; } = [];

        public List<string> Prompts { get; } = [];

        public int Answer { get; set; }

        public override PSHostRawUserInterface RawUI { get; } = new RawUserInterface();

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) =>
            throw new NotSupportedException($"The test host cannot answer the prompt '{caption}: {message}'.");

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            lock (Prompts) Prompts.Add($"{caption}: {message}");
            return Answer;
        }

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException();

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
            throw new NotSupportedException();

        public override string ReadLine() => throw new NotSupportedException();

        public override SecureString ReadLineAsSecureString() => throw new NotSupportedException();

        public override void Write(string value)
        {
            lock (Lines) _partial.Append(value);
        }

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);

        public override void WriteLine(string value)
        {
            lock (Lines)
            {
                Lines.Add(_partial + value);
                _partial.Clear();
            }
        }

        public override void WriteDebugLine(string message) => WriteLine($"DEBUG: {message}");

        public override void WriteErrorLine(string value) => WriteLine($"ERROR: {value}");

        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
        }

        public override void WriteVerboseLine(string message) => WriteLine($"VERBOSE: {message}");

        public override void WriteWarningLine(string message) => WriteLine($"WARNING: {message}");
    }

    private sealed class RawUserInterface : PSHostRawUserInterface
    {
        public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;

        public override Size BufferSize { get; set; } = new(200, 50);

        public override Coordinates CursorPosition { get; set; }

        public override int CursorSize { get; set; }

        public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.White;

        public override bool KeyAvailable => false;

        public override Size MaxPhysicalWindowSize => new(200, 50);

        public override Size MaxWindowSize => new(200, 50);

        public override Coordinates WindowPosition { get; set; }

        public override Size WindowSize { get; set; } = new(200, 50);

        public override string WindowTitle { get; set; } = "";

        public override void FlushInputBuffer()
        {
        }

        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();

        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException();

        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) => throw new NotSupportedException();

        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) => throw new NotSupportedException();

        public override void SetBufferContents(Rectangle rectangle, BufferCell fill) => throw new NotSupportedException();
    }
}
