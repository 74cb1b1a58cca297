using Portal.LiveBench;

// Watches one training run from N headless Chromium pages of its run page and prints how long each step took from
// the engine to the screen (see scripts/bench/live.sh, which sets the scene and starts this).
LiveBenchOptions options;
try
{
    options = LiveBenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
return await LiveBenchmark.Run(options);
