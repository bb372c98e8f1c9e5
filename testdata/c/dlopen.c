/* dlopen opens the library named by argv[1], calls its lib_answer and
 * prints the result; it also calls needed_answer, from a library it is
 * linked with (DT_NEEDED). */
#include <dlfcn.h>
#include <stdio.h>

int needed_answer(void);

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: dlopen LIBRARY\n");
		return 2;
	}
	void *h = dlopen(argv[1], RTLD_NOW);
	if (!h) {
		fprintf(stderr, "%s\n", dlerror());
		return 1;
	}
	int (*answer)(void) = (int (*)(void))dlsym(h, "lib_answer");
	if (!answer) {
		fprintf(stderr, "%s\n", dlerror());
		return 1;
	}
	printf("%d %d\n", answer(), needed_answer());
	return 0;
}
