/* A program with its own syscall wrappers, two deep: binscan must find
   the numbers main passes (getpid through mid, gettid straight to raw),
   decoding only the functions that can hold them. */
static long __attribute__((noinline)) raw(long n, long a)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a) : "rcx", "r11", "memory");
	return ret;
}

long __attribute__((noinline)) mid(long n)
{
	return raw(n, 0);
}

int main(int argc, char **argv)
{
	(void)argv;
	if (argc > 5)
		mid(39); /* getpid */
	if (argc > 6)
		raw(186, 0); /* gettid */
	return 0;
}
