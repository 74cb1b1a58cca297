/*
 * libtorch links Intel MKL statically and exports MKL's internal CPU-vendor check. On AMD CPUs that check
 * answers "not Intel" and MKL falls back to generic kernels, which leave the vector units of AVX2 and AVX-512
 * Zen cores unused.
 * Portal loads this library with RTLD_GLOBAL before libtorch on AMD CPUs, so MKL's call to the check binds
 * here and MKL dispatches on the CPU's actual features (cpuid), as it does on Intel.
 */
int mkl_serv_intel_cpu_true(void) { return 1; }
