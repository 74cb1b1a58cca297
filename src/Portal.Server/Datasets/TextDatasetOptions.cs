using Portal.Engine.Data;

namespace Portal.Server.Datasets;

/// <summary>
/// What a text dataset's preparation used, recorded with it: how its file was read, the vocabulary limits, and the
/// dataset whose texts the tokenizer was built from (itself unless a training set's vocabulary was asked for).
/// </summary>
public sealed record TextDatasetOptions(TextImportOptions? Import, VocabularyOptions Vocabulary, string VocabularyFrom);
