/*
 * fuzz_options.c - sanitizer defaults for the PARLEY_FUZZ build. The library
 * is compiled there with -fsanitize=undefined in its default recoverable
 * mode, which only prints; make any undefined behaviour fatal so that
 * libFuzzer and the replay tests see it as a crash.
 */
const char *__ubsan_default_options(void);

const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}
