/* sigcount: prints "ready", then one line per SIGINT or SIGQUIT it gets,
 * saying who sent it: "INT kernel" (a terminal's ^C: si_code SI_KERNEL) or
 * "INT user" (a process's kill). SIGTERM makes it print "TERM" and exit 0,
 * so a test can end it after every earlier signal has been handled (the
 * kernel delivers pending signals lowest number first, and each handler
 * blocks the others). */
#include <signal.h>
#include <string.h>
#include <unistd.h>

static void say(const char *s)
{
	if (write(1, s, strlen(s)) < 0)
		_exit(2);
}

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig == SIGTERM) {
		say("TERM\n");
		_exit(0);
	}
	say(sig == SIGINT ? "INT " : "QUIT ");
	say(si->si_code == SI_KERNEL ? "kernel\n" : "user\n");
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	/* One handler at a time, so the lines come in delivery order: else a
	 * pending SIGTERM's frame is set up over SIGINT's and runs first. */
	sigfillset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	say("ready\n");
	for (;;)
		pause();
}
