// SPDX-License-Identifier: GPL-2.0
/*
 * pingpong [-c CPU] ROUNDS : two processes pass a byte back and forth
 * through two pipes ROUNDS times, like `perf bench sched pipe`, and print
 *   pingpong ROUNDS rounds NS ns/round NS ns/switch
 * Each round is two context switches (parent -> child -> parent) when
 * both processes share one CPU (-c CPU pins both there); unpinned, each
 * also wakes a task on another CPU and may switch to the idle task.
 * Built static by scripts/bench-switch.sh for the guest.
 * Exit: 0, 1 on a system call failure, 2 on bad arguments.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void usage(void)
{
	fputs("usage: pingpong [-c CPU] ROUNDS\n"
	      "Pass a byte between two processes ROUNDS times over two pipes;\n"
	      "print the time per round and per context switch.\n"
	      "  -c CPU  pin both processes to CPU (every round: 2 switches)\n"
	      "Exit: 0 ok, 1 system call failed, 2 bad arguments.\n", stderr);
}

static void xfer(int rfd, int wfd, long rounds, int first)
{
	char c = 'x';
	long i;

	for (i = 0; i < rounds; i++) {
		if (first && write(wfd, &c, 1) != 1)
			exit(1);
		if (read(rfd, &c, 1) != 1)
			exit(1);
		if (!first && write(wfd, &c, 1) != 1)
			exit(1);
	}
}

int main(int argc, char **argv)
{
	int a[2], b[2], cpu = -1, opt, st;
	struct timespec t0, t1;
	long rounds;
	double ns;
	pid_t pid;

	while ((opt = getopt(argc, argv, "c:h")) != -1) {
		if (opt == 'c') {
			cpu = atoi(optarg);
		} else {
			usage();
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind != argc - 1 || (rounds = atol(argv[optind])) <= 0) {
		usage();
		return 2;
	}
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			perror("sched_setaffinity");
			return 1;
		}
	}
	if (pipe(a) || pipe(b)) {
		perror("pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (!pid) {
		xfer(a[0], b[1], rounds, 0);
		_exit(0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	xfer(b[0], a[1], rounds, 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fputs("pingpong: the child failed\n", stderr);
		return 1;
	}
	ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
	printf("pingpong %ld rounds %.0f ns/round %.0f ns/switch\n", rounds,
	       ns / rounds, ns / rounds / 2);
	return 0;
}
