// Loaded before the API reference (Scalar) on /reference. Scalar validates with zod, which probes once whether it may
// compile code with Function(); the portal's Content-Security-Policy forbids that, so zod is told up front to run
// without compiling (its documented "jitless" setting, read from this global) instead of having the browser report
// a refused eval on every visit.
globalThis.__zod_globalConfig = { ...globalThis.__zod_globalConfig, jitless: true };
